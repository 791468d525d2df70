package richtext

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// allowedAttrs lists, per element, the attributes the output may carry.
var allowedAttrs = map[string]map[string]bool{
	"p":    {},
	"br":   {},
	"span": {"class": true},
	"a":    {"href": true, "rel": true, "class": true, "target": true},
}

// allowedValues lists the only values the non-href attributes may take.
var allowedValues = map[string]map[string]bool{
	"class":  {"invisible": true, "ellipsis": true, "mention hashtag": true},
	"rel":    {"nofollow noopener noreferrer": true, "tag": true},
	"target": {"_blank": true},
}

// checkInvariants parses res.HTML with the x/net/html tokenizer and fails t
// unless it holds only p, br, a and span with the allowed attributes, is well
// formed, and has res.Text as its text content (a paragraph break being "\n\n"
// and <br> "\n").
func checkInvariants(t testing.TB, input string, res Result) {
	t.Helper()
	if err := verifyOutput(res); err != nil {
		t.Fatalf("input %q\nhtml %q\n%v", input, res.HTML, err)
	}
}

// verifyOutput returns why res breaks the output invariants, or nil.
func verifyOutput(res Result) error {
	if !utf8.ValidString(res.HTML) || !utf8.ValidString(res.Text) {
		return fmt.Errorf("invalid UTF-8 in output")
	}
	if (res.HTML == "") != (res.Text == "") {
		return fmt.Errorf("HTML empty is %v but Text empty is %v", res.HTML == "", res.Text == "")
	}
	for _, c := range res.Text {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 && c <= 0x9f {
			return fmt.Errorf("control character %U in Text", c)
		}
	}
	z := html.NewTokenizer(strings.NewReader(res.HTML))
	var stack []string
	var text strings.Builder
	paragraphs := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				return fmt.Errorf("tokenizer: %w", z.Err())
			}
			if len(stack) != 0 {
				return fmt.Errorf("unclosed elements %v", stack)
			}
			if got := text.String(); got != res.Text {
				return fmt.Errorf("text content differs\n got %q\nwant %q", got, res.Text)
			}
			return nil
		case html.TextToken:
			if len(stack) == 0 {
				return fmt.Errorf("text %q outside a paragraph", z.Text())
			}
			text.Write(z.Text())
		case html.StartTagToken:
			tok := z.Token()
			attrs, ok := allowedAttrs[tok.Data]
			if !ok {
				return fmt.Errorf("element %q not allowed", tok.Data)
			}
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if !attrs[a.Key] || a.Namespace != "" {
					return fmt.Errorf("attribute %q not allowed on %q", a.Key, tok.Data)
				}
				if seen[a.Key] {
					return fmt.Errorf("duplicate attribute %q", a.Key)
				}
				seen[a.Key] = true
				if a.Key == "href" {
					u, err := url.Parse(a.Val)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
						return fmt.Errorf("href %q is not an http(s) URL (%v)", a.Val, err)
					}
					continue
				}
				if !allowedValues[a.Key][a.Val] {
					return fmt.Errorf("value %q not allowed for %q", a.Val, a.Key)
				}
			}
			switch tok.Data {
			case "br":
				if len(stack) == 0 {
					return fmt.Errorf("br outside a paragraph")
				}
				text.WriteByte('\n')
				continue
			case "p":
				if len(stack) != 0 {
					return fmt.Errorf("nested p inside %v", stack)
				}
				if paragraphs > 0 {
					text.WriteString("\n\n")
				}
				paragraphs++
			case "a":
				if len(stack) == 0 {
					return fmt.Errorf("a outside a paragraph")
				}
				for _, open := range stack {
					if open == "a" {
						return fmt.Errorf("nested a")
					}
				}
				if !seen["href"] {
					return fmt.Errorf("a without href")
				}
			case "span":
				if len(stack) == 0 {
					return fmt.Errorf("span outside a paragraph")
				}
			}
			stack = append(stack, tok.Data)
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				return fmt.Errorf("end tag %q does not close %v", name, stack)
			}
			stack = stack[:len(stack)-1]
		default:
			return fmt.Errorf("unexpected token %v: %q", tt, z.Raw())
		}
	}
}

// checkHashtags fails t unless res.Hashtags are distinct (case-insensitively)
// and each occurs in res.Text after a '#'.
func checkHashtags(t testing.TB, res Result) {
	t.Helper()
	seen := map[string]bool{}
	for _, h := range res.Hashtags {
		k := strings.ToLower(h)
		if seen[k] {
			t.Fatalf("duplicate hashtag %q in %q", h, res.Hashtags)
		}
		seen[k] = true
		if h == "" || utf8.RuneCountInString(h) > maxTagRunes || !strings.Contains(res.Text, "#"+h) {
			t.Fatalf("hashtag %q not valid or not in text %q", h, res.Text)
		}
	}
	for _, e := range res.Emoji {
		if !strings.Contains(res.Text, ":"+e.Shortcode+":") {
			t.Fatalf("emoji %q not in text %q", e.Shortcode, res.Text)
		}
	}
}

// TestVerifyOutputRejects makes sure the invariant check used by the table and
// fuzz tests can fail.
func TestVerifyOutputRejects(t *testing.T) {
	for _, bad := range []Result{
		{HTML: "<p>x", Text: "x"},
		{HTML: "<p>x</p>", Text: "y"},
		{HTML: "<p><b>x</b></p>", Text: "x"},
		{HTML: "<p><script>x</script></p>", Text: "x"},
		{HTML: `<p><a href="javascript:alert(1)">x</a></p>`, Text: "x"},
		{HTML: `<p><a href="https://x.org" onclick="y">x</a></p>`, Text: "x"},
		{HTML: `<p><span class="evil">x</span></p>`, Text: "x"},
		{HTML: "<p>a</p><p>b</p>", Text: "a\nb"},
		{HTML: "<p>a<br>b</p>", Text: "a b"},
		{HTML: "x", Text: "x"},
		{HTML: "<p><!-- c -->x</p>", Text: "x"},
		{HTML: "<p><p>x</p></p>", Text: "x"},
		{HTML: "", Text: "x"},
	} {
		if verifyOutput(bad) == nil {
			t.Errorf("accepted %q", bad.HTML)
		}
	}
	if err := verifyOutput(Result{HTML: "<p>a &amp; b<br>c</p><p>d</p>", Text: "a & b\nc\n\nd"}); err != nil {
		t.Errorf("rejected good output: %v", err)
	}
}
