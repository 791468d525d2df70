package richtext

import (
	"strings"
	"unicode/utf8"
)

// Render turns a plain-text caption into Note content. See the package
// documentation for the rules; an empty or whitespace-only text gives an
// empty Result.
func Render(text string, opts Options) Result {
	return render(text, opts, false)
}

// RenderParagraph renders text as exactly one <p> (or nothing when it is
// empty): every newline, blank lines included, becomes <br>. Otherwise the
// rules are those of Render. It is meant for what the bridge adds after the
// caption (post tail, credits); combine the two with Result.Append so that the
// tail's hashtags reach the Note's tags too.
func RenderParagraph(text string, opts Options) Result {
	return render(text, opts, true)
}

// Paragraph returns the HTML of RenderParagraph(text, opts).
func Paragraph(text string, opts Options) string {
	return RenderParagraph(text, opts).HTML
}

func render(text string, opts Options, single bool) Result {
	limit := opts.maxChars()
	var emoji emojiTable
	clean := capText(canonical(sanitize(text, limit, &emoji), single), limit)
	if clean == "" {
		return Result{}
	}
	w := writer{opts: opts, emoji: &emoji}
	w.b.Grow(3*len(clean) + 64) // links and hashtags add markup
	w.b.WriteString("<p>")
	for rest, more := clean, true; more; {
		var line string
		line, rest, more = strings.Cut(rest, "\n")
		w.line(line)
		switch {
		case !more:
		case strings.HasPrefix(rest, "\n"):
			rest = rest[1:]
			w.b.WriteString("</p><p>")
		default:
			w.b.WriteString("<br>")
		}
	}
	w.b.WriteString("</p>")
	return Result{HTML: w.b.String(), Hashtags: w.tags, Emoji: w.usedEmoji, Text: clean}
}

// writer accumulates the HTML of one text and what was found in it.
type writer struct {
	opts      Options
	emoji     *emojiTable
	b         strings.Builder
	tags      []string
	seenTags  map[string]struct{}
	usedEmoji []Emoji
}

// line writes one line of normalised text (no newline), linking URLs and
// hashtags and noting the emoji it uses. Each byte is looked at a bounded
// number of times: a candidate that fails is skipped whole as text.
func (w *writer) line(s string) {
	text := 0         // start of the pending plain text
	prev := rune(' ') // the character before s[i]; a line starts a word
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case (c == 'h' || c == 'H') && !isWordRune(prev):
			end, ok := scanURL(s, i)
			if ok {
				writeEscaped(&w.b, s[text:i])
				w.link(s[i:end])
				text = end
			}
			if end > i {
				prev, _ = utf8.DecodeLastRuneInString(s[:end])
				i = end
				continue
			}
		case c == '#' && !isTagPrecede(prev):
			end, ok := scanTag(s, i+1)
			if ok {
				writeEscaped(&w.b, s[text:i])
				w.hashtag(s[i+1 : end])
				text = end
			}
			if end > i+1 {
				prev, _ = utf8.DecodeLastRuneInString(s[:end])
				i = end
				continue
			}
		case c == ':':
			if end, name, ok := scanShortcode(s, i, prev, w.emoji); ok {
				if e, first := w.emoji.use(name); first {
					w.usedEmoji = append(w.usedEmoji, e)
				}
				prev = ':'
				i = end
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		prev = r
		i += n
	}
	writeEscaped(&w.b, s[text:])
}

// displayLimit is how many characters of a URL (after the scheme and "www.")
// stay visible; the rest is hidden, as Mastodon does.
const displayLimit = 30

// link writes an anchor for the http(s) URL u. The whole URL stays in the
// text content; the scheme (and "www.") and anything after displayLimit
// characters are in spans of class "invisible", and a cut display is in a span
// of class "ellipsis", so Mastodon's stylesheet shows "host/path…".
func (w *writer) link(u string) {
	sl := schemeLen(u)
	w.b.WriteString(`<a href="`)
	// Lower-case the scheme so every consumer sees http or https.
	w.b.WriteString(strings.ToLower(u[:sl]))
	writeEscaped(&w.b, u[sl:])
	w.b.WriteString(`" rel="nofollow noopener noreferrer" target="_blank">`)
	prefix := sl
	if len(u) > sl+4 && strings.EqualFold(u[sl:sl+4], "www.") {
		prefix += 4
	}
	w.b.WriteString(`<span class="invisible">`)
	writeEscaped(&w.b, u[:prefix])
	w.b.WriteString(`</span>`)
	rest := u[prefix:]
	cut, runes := 0, 0
	for cut < len(rest) && runes < displayLimit {
		_, n := utf8.DecodeRuneInString(rest[cut:])
		cut += n
		runes++
	}
	if cut == len(rest) {
		writeEscaped(&w.b, rest)
	} else {
		w.b.WriteString(`<span class="ellipsis">`)
		writeEscaped(&w.b, rest[:cut])
		w.b.WriteString(`</span><span class="invisible">`)
		writeEscaped(&w.b, rest[cut:])
		w.b.WriteString(`</span>`)
	}
	w.b.WriteString(`</a>`)
}

// hashtag records the hashtag name and writes it, linked when Options.TagURL
// gives an http(s) URL for it.
func (w *writer) hashtag(name string) {
	if w.seenTags == nil {
		w.seenTags = make(map[string]struct{})
	}
	key := strings.ToLower(name)
	if _, dup := w.seenTags[key]; !dup {
		w.seenTags[key] = struct{}{}
		w.tags = append(w.tags, name)
	}
	href := w.opts.tagHref(name)
	if href == "" {
		w.b.WriteByte('#')
		writeEscaped(&w.b, name)
		return
	}
	w.b.WriteString(`<a href="`)
	writeEscaped(&w.b, href)
	w.b.WriteString(`" class="mention hashtag" rel="tag">#<span>`)
	writeEscaped(&w.b, name)
	w.b.WriteString(`</span></a>`)
}
