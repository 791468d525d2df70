package moderation

import (
	"encoding/json"
	"html"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{
		"", "plain", "<p>a</p><br>b", `<a href="x">#<span>tag</span></a>`, "&amp;&lt;&#x1F600;&bogus;",
		"<script>x", "<p <p>>", "</p></div>", "<!--", "<![CDATA[x]]>", "a\r\nb\x00c", "<svg><title>t</title></svg>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := htmlToText(nil, s)
		if !strings.ContainsAny(s, "<&") && string(out) != s {
			t.Fatalf("text without markup changed: %q -> %q", s, out)
		}
		// Escaped plain text comes back as it was (the tokenizer turns
		// "\r\n" into "\n" and replaces NUL, so leave those out).
		if !strings.ContainsAny(s, "\r\x00") && utf8.ValidString(s) {
			if back := string(htmlToText(nil, html.EscapeString(s))); back != s {
				t.Fatalf("escaped text %q came back as %q", s, back)
			}
		}
	})
}

func FuzzParsePost(f *testing.F) {
	for _, name := range []string{"mastodon_create.json", "gotosocial_note.json", "question.json"} {
		f.Add(readTestdata(f, name))
	}
	for _, s := range []string{`{}`, `{"type":"Create","object":{}}`, `{"type":"Note","attachment":[[]]}`, `null`, `{"tag":{"name":5}}`,
		`{"type":"Update","actor":[{"id":1}],"object":[{"contentMap":{"":"x"}}]}`} {
		f.Add([]byte(s))
	}
	e := mustEngine(f, matchRules)
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := ParsePost(raw)
		if err != nil {
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("invalid JSON accepted: %q", raw)
		}
		for _, rh := range e.Scan(&p) {
			for _, h := range rh.Hits {
				if h.Count < 1 {
					t.Fatalf("hit with count %d", h.Count)
				}
			}
		}
	})
}

// reference finds the occurrences of a keyword's words in a text's words
// the slow, obvious way.
func reference(textWords, kwWords []string) int {
	n := 0
	for i := 0; i+len(kwWords) <= len(textWords); i++ {
		match := true
		for j, w := range kwWords {
			if textWords[i+j] != w {
				match = false
				break
			}
		}
		if match {
			n++
		}
	}
	return n
}

// wordsOf returns the normalised words and #hashtags of plain text.
func wordsOf(n *normalizer, text string) ([]string, []string) {
	norm := n.appendNormalized(nil, []byte(text))
	ws, ts := segment(norm, nil, nil)
	words := make([]string, len(ws))
	for i, s := range ws {
		words[i] = string(norm[s.start:s.end])
	}
	tags := make([]string, len(ts))
	for i, s := range ts {
		tags[i] = string(norm[s.start:s.end])
	}
	return words, tags
}

func FuzzMatcher(f *testing.F) {
	for _, s := range [][2]string{
		{"what an ass", "ass"}, {"first class", "ass"}, {"LEWD   art", "lewd art"}, {"ＦＵＬＬ", "full"},
		{"お前は死ねばいい", "死ね"}, {"#NSFW art", "nsfw"}, {"e\u0301e", "é"}, {"a a a a", "a a"}, {"Straße", "STRASSE"},
	} {
		f.Add(s[0], s[1])
	}
	n := newNormalizer()
	f.Fuzz(func(t *testing.T, text, keyword string) {
		kwWords, _ := wordsOf(n, keyword)
		tag := strings.TrimPrefix(strings.TrimSpace(keyword), "#")
		rs := Ruleset{Name: "f", Action: ActionNotify}
		if len(kwWords) > 0 && len(kwWords) <= MaxKeywordWords && !strings.HasPrefix(n.normalizeString(strings.TrimSpace(keyword)), "#") {
			rs.Keywords = []Keyword{{Term: keyword}}
		}
		if tag != "" && isHashtagBody(n.normalizeString(tag)) {
			rs.Hashtags = []string{tag}
		}
		r, _, err := NewRules("fuzz.toml", []Ruleset{rs})
		if err != nil {
			if len(rs.Keywords) > 0 || len(rs.Hashtags) > 0 {
				t.Fatalf("valid ruleset refused: %v", err)
			}
			return
		}
		e := NewEngine(r)
		post := Post{Summary: text, Content: text}
		got := map[Field]map[string]int{}
		for _, rh := range e.Scan(&post) {
			for _, h := range rh.Hits {
				if got[h.Field] == nil {
					got[h.Field] = map[string]int{}
				}
				got[h.Field][h.Term] += h.Count
			}
		}
		for _, fc := range []struct {
			field Field
			text  string
		}{{FieldSummary, text}, {FieldContent, string(htmlToText(nil, text))}} {
			words, tags := wordsOf(n, fc.text)
			if len(rs.Keywords) > 0 {
				want := reference(words, kwWords)
				if c := got[fc.field][strings.TrimSpace(keyword)]; c != want {
					t.Fatalf("%s: keyword %q (%q) found %d times, reference %d in %q", fc.field, keyword, kwWords, c, want, words)
				}
			}
			if len(rs.Hashtags) > 0 {
				want := reference(tags, []string{n.normalizeString(tag)})
				if c := got[fc.field]["#"+tag]; c != want {
					t.Fatalf("%s: hashtag %q found %d times, reference %d in %q", fc.field, tag, c, want, tags)
				}
			}
		}
	})
}
