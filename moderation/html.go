package moderation

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText appends the text of the HTML fragment s to dst and returns it.
// Tags are dropped and entities decoded. Inline elements (a, span, b, …)
// join their text to the surrounding text, as browsers render it; every
// other element, <br> and <p> included, separates words with a newline. The
// text of script, style and template elements is dropped.
func htmlToText(dst []byte, s string) []byte {
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return append(dst, s...)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is dropped
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF, or a read error a strings.Reader never returns: the end.
			return dst
		case html.TextToken:
			if skip == 0 {
				dst = append(dst, z.Text()...)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if droppedText(a) {
				switch tt {
				case html.StartTagToken:
					skip++
				case html.EndTagToken:
					if skip > 0 {
						skip--
					}
				}
				continue
			}
			if !inlineElement(a) {
				dst = append(dst, '\n')
			}
		}
	}
}

// droppedText reports whether the text inside element a is not shown to
// readers and so is not scanned.
func droppedText(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Template:
		return true
	}
	return false
}

// inlineElement reports whether element a keeps the text around it in the
// same word. Unknown elements separate words.
func inlineElement(a atom.Atom) bool {
	switch a {
	case atom.A, atom.Abbr, atom.B, atom.Bdi, atom.Bdo, atom.Big, atom.Cite,
		atom.Code, atom.Data, atom.Del, atom.Dfn, atom.Em, atom.Font, atom.I,
		atom.Ins, atom.Kbd, atom.Mark, atom.Q, atom.Rp, atom.Rt, atom.Ruby,
		atom.S, atom.Samp, atom.Small, atom.Span, atom.Strike, atom.Strong,
		atom.Sub, atom.Sup, atom.Time, atom.Tt, atom.U, atom.Var, atom.Wbr:
		return true
	}
	return false
}

// PlainText returns the text of an HTML fragment as htmlToText reads it for
// matching: tags dropped, entities decoded, a newline where a block element
// or <br> separates words. It is for showing a post's text where HTML is not
// rendered (a Discord message).
func PlainText(s string) string { return string(htmlToText(nil, s)) }
