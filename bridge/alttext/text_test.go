package alttext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanDraft(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"  A fox.  ", "A fox."},
		{"A fox\r\nin snow.", "A fox\nin snow."},
		{"A  fox\t\tin   snow.", "A fox in snow."},
		{"One.\n\n\n\n\nTwo.", "One.\n\nTwo."},
		{"  line one  \n   line two", "line one\nline two"},
		{"\"A fox in snow.\"", "A fox in snow."},
		{"\u201cA fox in snow.\u201d", "A fox in snow."},
		{"\"Hi,\" says the fox.", "\"Hi,\" says the fox."},
		{"\"A\" and \"B\"", "\"A\" and \"B\""},
		{"<think>the user wants alt text</think>\n\nA fox.", "A fox."},
		{"<think>never finished", ""},
		{"A fox\x00\x07 sleeps\ufeff.", "A fox sleeps."},
		{"bad \xff utf8", "bad utf8"},
		{" \n\t ", ""},
		{"\"\"", "\"\""},
	} {
		if got := cleanDraft(tt.in); got != tt.want {
			t.Errorf("cleanDraft(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLooksLikeRefusal(t *testing.T) {
	for _, s := range []string{
		"I'm sorry, but I can't help with that.",
		"I\u2019m sorry, I cannot describe this image.",
		"I can't assist with this request.",
		"I cannot provide a description.",
		"As an AI, I am unable to view images.",
		"Sorry, I can't do that.",
		"Unfortunately, I can't see the image.",
	} {
		if !looksLikeRefusal(s) {
			t.Errorf("looksLikeRefusal(%q) = false", s)
		}
	}
	for _, s := range []string{
		"A fox curled up asleep.",
		"Illustration of a girl holding a sign reading \"I'm sorry\".",
		"Ink drawing: I can see a lighthouse", // odd but not a refusal opening
		"Icy mountains at dusk.",
		"Ice cream cone in pastel colours.",
	} {
		if looksLikeRefusal(s) {
			t.Errorf("looksLikeRefusal(%q) = true", s)
		}
	}
}

func TestLabelAndCap(t *testing.T) {
	label := DefaultLabel
	short := "A fox asleep on a stone."
	if got, capped := labelAndCap(label, short, MaxTextRunes); got != label+short || capped {
		t.Fatalf("short text changed: %q %v", got, capped)
	}

	words := strings.Repeat("lichen-covered granite ", 200) // 4,600 runes
	got, capped := labelAndCap(label, words, MaxTextRunes)
	if !capped || utf8.RuneCountInString(got) > MaxTextRunes {
		t.Fatalf("capped=%v, %d runes", capped, utf8.RuneCountInString(got))
	}
	if !strings.HasPrefix(got, label) || !strings.HasSuffix(got, ellipsis) {
		t.Fatalf("lost label or ellipsis: %q…%q", got[:30], got[len(got)-30:])
	}
	body := strings.TrimSuffix(strings.TrimPrefix(got, label), ellipsis)
	if !strings.HasSuffix(body, "granite") && !strings.HasSuffix(body, "lichen-covered") {
		t.Fatalf("not cut at a word boundary: ends %q", body[len(body)-20:])
	}

	// Exactly at the limit: untouched.
	exact := strings.Repeat("a", MaxTextRunes-utf8.RuneCountInString(label))
	if got, capped := labelAndCap(label, exact, MaxTextRunes); capped || got != label+exact {
		t.Fatal("text exactly at the limit was cut")
	}

	// No spaces at all (e.g. Japanese): cut mid-run, still within the cap.
	cjk := strings.Repeat("狐が苔むした石の上で眠っている。", 200)
	got, capped = labelAndCap(label, cjk, MaxTextRunes)
	if !capped || utf8.RuneCountInString(got) != MaxTextRunes || !utf8.ValidString(got) {
		t.Fatalf("cjk: capped=%v runes=%d", capped, utf8.RuneCountInString(got))
	}

	// Trailing punctuation before the ellipsis is dropped.
	commas := strings.Repeat("red, ", 400)
	got, _ = labelAndCap(label, commas, MaxTextRunes)
	if strings.HasSuffix(got, ","+ellipsis) || strings.HasSuffix(got, " "+ellipsis) {
		t.Fatalf("ends %q", got[len(got)-10:])
	}
}

// FuzzPostProcess checks the invariants of everything done to the model's
// answer: cleaning, refusal check and the labelled cap.
func FuzzPostProcess(f *testing.F) {
	for _, s := range []string{
		"A fox.", "  \"Quoted.\"  ", "<think>x</think>y", "a\r\n\r\n\r\nb", strings.Repeat("word ", 400),
		strings.Repeat("é", 2000), "\x00\xff\ufeff", "I'm sorry", "\u2028\u2029", "<think>",
	} {
		f.Add(s, DefaultLabel)
	}
	f.Add("text", "")
	f.Fuzz(func(t *testing.T, answer, label string) {
		if !utf8.ValidString(label) || utf8.RuneCountInString(label) > maxLabelRunes {
			return
		}
		text := cleanDraft(answer)
		if !utf8.ValidString(text) {
			t.Fatalf("invalid UTF-8 from %q", answer)
		}
		if text != strings.TrimSpace(text) {
			t.Fatalf("untrimmed %q", text)
		}
		if strings.Contains(text, "\n\n\n") {
			t.Fatalf("three newlines in %q", text)
		}
		for _, r := range text {
			if r != '\n' && (unicode.IsControl(r) || r == '\ufeff') {
				t.Fatalf("control %U in %q", r, text)
			}
		}
		_ = looksLikeRefusal(text)
		got, capped := labelAndCap(label, text, MaxTextRunes)
		if n := utf8.RuneCountInString(got); n > MaxTextRunes {
			t.Fatalf("%d runes", n)
		}
		if !utf8.ValidString(got) || !strings.HasPrefix(got, label) {
			t.Fatalf("bad result %q", got)
		}
		if !capped && got != label+text {
			t.Fatal("uncapped result differs from label+text")
		}
		if capped && !strings.HasSuffix(got, ellipsis) {
			t.Fatal("capped without ellipsis")
		}
	})
}

func BenchmarkPostProcess(b *testing.B) {
	answer := "  \"" + strings.Repeat("A watercolour fox curled asleep on a mossy stone. ", 40) + "\"  "
	for b.Loop() {
		text := cleanDraft(answer)
		if looksLikeRefusal(text) {
			b.Fatal("refusal")
		}
		labelAndCap(DefaultLabel, text, MaxTextRunes)
	}
}
