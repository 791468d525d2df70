package moderation

import (
	"strings"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                          "plain text",
		"<p>a</p><p>b</p>":                    "\na\n\nb\n",
		"a<br>b<br/>c":                        "a\nb\nc",
		`<a href="x">@<span>art</span></a>`:   "@art",
		"fish &amp; chips &lt;3 &#x263A;":     "fish & chips <3 ☺",
		"<script>x</script>y<style>z</style>": "y",
		"<unknown>a</unknown>b":               "\na\nb",
		"<p>unclosed <b>bold":                 "\nunclosed bold",
		"a < b > c":                           "a < b > c",
		"<!-- comment -->text":                "text",
		"<ruby>漢<rt>かん</rt></ruby>":           "漢かん",
	} {
		if got := string(htmlToText(nil, in)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	n := newNormalizer()
	for in, want := range map[string]string{
		"Hello WORLD": "hello world",
		"ＦＵＬＬ　ｗｉｄｔｈ":  "full width",
		"Straße":      "strasse",
		"ΣΊΣΥΦΟΣ":     "σίσυφοσ",
		"ﬁne ①":       "fine 1",
		"ｶﾀｶﾅ":        "カタカナ",
		"e\u0301":     "é",
		"Ｉ\u0307":     "i\u0307",
	} {
		if got := n.normalizeString(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestSegment(t *testing.T) {
	render := func(text string) (string, string) {
		words, tags := segment([]byte(text), nil, nil)
		var w, g []string
		for _, s := range words {
			w = append(w, text[s.start:s.end])
		}
		for _, s := range tags {
			g = append(g, text[s.start:s.end])
		}
		return strings.Join(w, "|"), strings.Join(g, "|")
	}
	for _, tc := range []struct{ in, words, tags string }{
		{"hello, world!", "hello|world", ""},
		{"don't snake_case x2 ü", "don|t|snake|case|x2|ü", ""},
		{"#tag #two_words a#not #", "tag|two|words|a|not", "tag|two_words"},
		{"(#x) _#y", "x|y", "x"},
		{"猫が好きです", "猫|が|好|き|で|す", ""},
		{"#猫好き", "猫|好|き", "猫好き"},
		{"กินข้าว", "กิ|น|ข้|า|ว", ""},
		{"abc日本def", "abc|日|本|def", ""},
		{"emoji🎨art", "emoji|art", ""},
		{"\xff\xfeok", "ok", ""},
	} {
		w, g := render(tc.in)
		if w != tc.words || g != tc.tags {
			t.Errorf("%q: words %q tags %q, want %q %q", tc.in, w, g, tc.words, tc.tags)
		}
	}
}

func TestPrimarySubtag(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "EN-gb": "en", "pt_BR": "pt", "und": "", "": "", "e": "", "e1": "", "*": "", "zh-Hant-TW": "zh", "yue": "yue"} {
		got, ok := primarySubtag(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
}
