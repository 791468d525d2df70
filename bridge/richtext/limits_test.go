package richtext

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRenderCapsAtWordBoundary(t *testing.T) {
	res := Render("one two three four", Options{MaxChars: 10})
	if res.Text != "one two…" || res.HTML != "<p>one two…</p>" {
		t.Fatalf("got %q / %q", res.Text, res.HTML)
	}
	// The cut falls exactly before a space: the whole word is kept.
	if got := Render("abcd efgh", Options{MaxChars: 5}).Text; got != "abcd…" {
		t.Fatalf("got %q", got)
	}
	// One long word is cut hard.
	if got := Render(strings.Repeat("x", 20), Options{MaxChars: 8}).Text; got != "xxxxxxx…" {
		t.Fatalf("got %q", got)
	}
	// A text of exactly MaxChars characters is not cut.
	if got := Render("日本語の文", Options{MaxChars: 5}).Text; got != "日本語の文" {
		t.Fatalf("got %q", got)
	}
	// Capping happens after normalisation: blank lines and controls do not count.
	if got := Render("ab\x00\x00\n\n\n\n\ncd", Options{MaxChars: 6}).Text; got != "ab\n\ncd" {
		t.Fatalf("got %q", got)
	}
	// A cut at a paragraph break leaves no dangling whitespace.
	if got := Render("abc\n\ndefghijkl", Options{MaxChars: 8}).Text; got != "abc…" {
		t.Fatalf("got %q", got)
	}
	if got := Render("abc", Options{MaxChars: 1}).Text; got != "…" {
		t.Fatalf("got %q", got)
	}
}

func TestRenderDefaultCap(t *testing.T) {
	in := strings.Repeat("word ", 2000)
	res := Render(in, Options{})
	if n := utf8.RuneCountInString(res.Text); n > DefaultMaxChars || n < DefaultMaxChars-10 {
		t.Fatalf("capped text has %d characters", n)
	}
	if !strings.HasSuffix(res.Text, "word…") {
		t.Fatalf("text ends %q", res.Text[len(res.Text)-20:])
	}
}

// TestRenderHostileLarge renders 100 kB captions built to be slow; each must be
// capped and fast.
func TestRenderHostileLarge(t *testing.T) {
	const size = 100 << 10
	inputs := map[string]string{
		"hashtags":      strings.Repeat("#a1 ", size/4),
		"failing urls":  strings.Repeat("http://[", size/8),
		"url chain":     "https://x.org/" + strings.Repeat("https://", size/8),
		"long tag":      "#" + strings.Repeat("a", size),
		"parens":        "https://x.org/" + strings.Repeat(")", size),
		"invalid utf-8": strings.Repeat("\xff", size),
		"controls":      strings.Repeat("\x00\r", size/2),
		"blank lines":   strings.Repeat(" \n", size/2) + "end",
		"emoji":         strings.Repeat("<:ab:1>", size/7),
		"colons":        strings.Repeat(":", size),
		"markup":        strings.Repeat("<script>alert('x')</script>", size/27),
	}
	// Uncapped, the whole 100 kB is rendered: a quadratic scan would take
	// minutes. The bound is loose because the test machine is shared and the
	// race detector slows everything; the benchmarks give real figures.
	const bound = 2 * time.Second
	for _, maxChars := range []int{5000, 1 << 20} {
		opts := Options{TagURL: tagURL, MaxChars: maxChars}
		for name, in := range inputs {
			t.Run(fmt.Sprintf("%s/%d", name, maxChars), func(t *testing.T) {
				start := time.Now()
				res := Render(in, opts)
				if d := time.Since(start); d > bound {
					t.Errorf("took %v", d)
				}
				if n := utf8.RuneCountInString(res.Text); n > opts.MaxChars {
					t.Errorf("text has %d characters", n)
				}
				if maxChars == 5000 { // the uncapped outputs are too slow to parse under -race
					checkInvariants(t, in[:min(len(in), 64)], res)
					checkHashtags(t, res)
				}
			})
		}
	}
}

func TestRenderTagURL(t *testing.T) {
	const in = "#cat"
	for _, tc := range []struct {
		name string
		fn   func(string) string
		html string
	}{
		{name: "nil", fn: nil, html: "<p>#cat</p>"},
		{name: "javascript", fn: func(string) string { return "javascript:alert(1)" }, html: "<p>#cat</p>"},
		{name: "empty", fn: func(string) string { return "" }, html: "<p>#cat</p>"},
		{
			name: "escaped", fn: func(s string) string { return `https://x.org/t?q="` + s + `"&x=<y>` },
			html: `<p><a href="https://x.org/t?q=&#34;cat&#34;&amp;x=&lt;y&gt;" class="mention hashtag" rel="tag">#<span>cat</span></a></p>`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Render(in, Options{TagURL: tc.fn})
			if res.HTML != tc.html {
				t.Fatalf("got %q, want %q", res.HTML, tc.html)
			}
			if len(res.Hashtags) != 1 || res.Hashtags[0] != "cat" {
				t.Fatalf("hashtags %q", res.Hashtags)
			}
			checkInvariants(t, in, res)
		})
	}
	var got []string
	Render("#Café #猫", Options{TagURL: func(s string) string { got = append(got, s); return tagURL(s) }})
	if len(got) != 2 || got[0] != "Café" || got[1] != "猫" {
		t.Fatalf("TagURL received %q", got)
	}
}

func TestRenderEmoji(t *testing.T) {
	res := Render("hi<:blob_cat:11> <a:Party:22> <:blob_cat:33> :Party: :other:\nx:blob_cat:y", testOpts)
	wantText := "hi\u200B:blob_cat: :Party: :blob_cat: :Party: :other:\nx:blob_cat:y"
	if res.Text != wantText {
		t.Fatalf("text %q, want %q", res.Text, wantText)
	}
	want := []Emoji{{Shortcode: "blob_cat", ID: "11"}, {Shortcode: "Party", ID: "22", Animated: true}}
	if len(res.Emoji) != len(want) || res.Emoji[0] != want[0] || res.Emoji[1] != want[1] {
		t.Fatalf("emoji %+v, want %+v", res.Emoji, want)
	}
	// An emoji cut off by the cap is not listed.
	res = Render("ab cd <:late:1>", Options{MaxChars: 6})
	if len(res.Emoji) != 0 || res.Text != "ab cd…" {
		t.Fatalf("capped: %q %+v", res.Text, res.Emoji)
	}
	checkHashtags(t, res)
}

func TestParagraphAndAppend(t *testing.T) {
	if got := Paragraph("", testOpts); got != "" {
		t.Fatalf("empty paragraph %q", got)
	}
	tail := RenderParagraph("Posted by Ann\n\n#MastoArt https://art.example.org/about", testOpts)
	wantHTML := "<p>Posted by Ann<br>" + tagHTML("MastoArt") + ` <a href="https://art.example.org/about` + linkAttrs +
		`<span class="invisible">https://</span>art.example.org/about</a></p>`
	if tail.HTML != wantHTML {
		t.Fatalf("tail\n got %q\nwant %q", tail.HTML, wantHTML)
	}
	if got := Paragraph("Posted by Ann\n\n#MastoArt https://art.example.org/about", testOpts); got != wantHTML {
		t.Fatalf("Paragraph %q", got)
	}
	checkInvariants(t, "tail", tail)

	caption := Render("My cat\n\n#mastoart #cat <:blob:1>", testOpts)
	all := caption.Append(tail).Append(Render("<:blob:2> <:wave:3>", testOpts))
	if all.HTML != caption.HTML+tail.HTML+"<p>:blob: :wave:</p>" {
		t.Fatalf("html %q", all.HTML)
	}
	if all.Text != "My cat\n\n#mastoart #cat :blob:\n\nPosted by Ann\n#MastoArt https://art.example.org/about\n\n:blob: :wave:" {
		t.Fatalf("text %q", all.Text)
	}
	if len(all.Hashtags) != 2 || all.Hashtags[0] != "mastoart" || all.Hashtags[1] != "cat" {
		t.Fatalf("hashtags %q", all.Hashtags)
	}
	if len(all.Emoji) != 2 || all.Emoji[0] != (Emoji{Shortcode: "blob", ID: "1"}) || all.Emoji[1].Shortcode != "wave" {
		t.Fatalf("emoji %+v", all.Emoji)
	}
	checkInvariants(t, "appended", all)
	if got := (Result{}).Append(tail); got.Text != tail.Text || got.HTML != tail.HTML {
		t.Fatalf("append to empty: %+v", got)
	}
	if got := tail.Append(Result{}); got.Text != tail.Text || got.HTML != tail.HTML {
		t.Fatalf("append empty: %+v", got)
	}
}

func TestRenderEmojiWithRemovedCharacters(t *testing.T) {
	res := Render("<\x00:ab\u0085:1\x01\uFFFE2>", testOpts)
	if res.Text != ":ab:" || len(res.Emoji) != 1 || res.Emoji[0] != (Emoji{Shortcode: "ab", ID: "12"}) {
		t.Fatalf("got %q %+v", res.Text, res.Emoji)
	}
}
