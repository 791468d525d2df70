package moderation

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// loadWords reads testdata/words.txt: the distinct words of every language.
func loadWords(tb testing.TB) []string {
	tb.Helper()
	b, err := os.ReadFile("testdata/words.txt")
	if err != nil {
		tb.Fatal(err)
	}
	seen := make(map[string]bool)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// genKeywords returns n distinct keywords drawn deterministically from
// words: one in five a single word (from the odd-numbered words, which
// genPosts does not use on its own), the rest phrases of two or three words
// from all of them.
func genKeywords(words []string, n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		var kw string
		switch k := rng.IntN(10); {
		case k < 2 && len(out) < len(words)/2-100:
			kw = words[rng.IntN(len(words)/2)*2+1]
		case k < 8:
			kw = words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
		default:
			kw = words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
		}
		if !seen[kw] && !strings.Contains(templateText, " "+kw+" ") {
			seen[kw] = true
			out = append(out, kw)
		}
	}
	return out
}

// keywordRules builds rules with the keywords split over four rulesets, and
// a few hashtags, as an operator's file might.
func keywordRules(tb testing.TB, keywords []string) *Rules {
	tb.Helper()
	actions := []Action{ActionNotify, ActionSensitive, ActionSilence, ActionSuspend}
	sets := make([]Ruleset, len(actions))
	for i, a := range actions {
		sets[i] = Ruleset{Name: fmt.Sprintf("set %d", i), Action: a, Thresholds: Thresholds{Posts: 1 + i, Hits: 1 + 2*i, Distinct: 1 + i},
			Hashtags: []string{fmt.Sprintf("tag%d", i), "nsfw"}}
	}
	for i, k := range keywords {
		kw := Keyword{Term: k}
		if i%7 == 3 {
			kw.Languages = []string{"en"}
		}
		sets[i%len(sets)].Keywords = append(sets[i%len(sets)].Keywords, kw)
	}
	r, _, err := NewRules("bench.toml", sets)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// sentences are the templates of benchmark posts; %s takes a word.
var sentences = []string{
	"Oh wow, the %s in this one is gorgeous, and the way the %s catches the light is just perfect!",
	"I love how you painted the %s, it reminds me of the %s near my grandmother's house.",
	"This is my favourite piece of yours so far. The %s and the %s work so well together.",
	"Did you use watercolour for the %s? I've been trying to get that soft %s effect for months.",
	"Thank you for sharing your process, the %s sketch at the start was fascinating.",
	"Such a cozy mood here. Would buy a print of the %s with the %s in a heartbeat.",
	"Das %s ist wunderschön, besonders der %s im Hintergrund.",
	"J'adore la %s et les couleurs du %s, bravo !",
}

// altTemplate is the alt text of benchmark posts.
const altTemplate = "A digital painting of a %s beside a %s under a pale evening sky, soft brush strokes."

// templateText holds every fixed word of the benchmark posts, so that
// genKeywords does not make keywords of them.
var templateText = " " + strings.Join(strings.FieldsFunc(strings.ToLower(strings.Join(sentences, " ")+" "+altTemplate+" eye contact also"),
	func(r rune) bool { return r == ' ' || r == ',' || r == '.' || r == '!' || r == '?' || r == '\'' }), " ") + " "

// genPosts returns n Mastodon-style replies of about 300–500 characters with
// a mention, hashtags and sometimes a link, alt text or a content warning,
// using the even-numbered words of the list; one post in eight also quotes
// one of keywords, as the few posts that moderation is for do.
func genPosts(words, keywords []string, n int) []Post {
	rng := rand.New(rand.NewPCG(3, 4))
	w := func() string { return words[rng.IntN(len(words)/2)*2] }
	posts := make([]Post, n)
	for i := range posts {
		var b strings.Builder
		b.WriteString(`<p><span class="h-card" translate="no"><a href="https://art.example/users/art" class="u-url mention">@<span>art</span></a></span> `)
		for b.Len() < 300+rng.IntN(150) {
			fmt.Fprintf(&b, sentences[rng.IntN(len(sentences))], w(), w())
			b.WriteByte(' ')
		}
		if rng.IntN(8) == 0 {
			fmt.Fprintf(&b, "Also, %s! ", keywords[rng.IntN(len(keywords))])
		}
		tag := w()
		fmt.Fprintf(&b, `</p><p><a href="https://mastodon.example/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a> <a href="https://mastodon.example/tags/art" class="mention hashtag" rel="tag">#<span>Art</span></a>`, tag, strings.ToUpper(tag[:1])+tag[1:])
		if rng.IntN(3) == 0 {
			b.WriteString(` <a href="https://blog.example/2025/03/studio-notes" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="ellipsis">blog.example/2025/03/studio-no</span><span class="invisible">tes</span></a>`)
		}
		b.WriteString("</p>")
		p := Post{
			ID:        fmt.Sprintf("https://mastodon.example/users/u%d/statuses/%d", i%50, i),
			Actor:     fmt.Sprintf("https://mastodon.example/users/u%d", i%50),
			Published: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
			Languages: []string{"en"},
			Content:   b.String(),
			Hashtags:  []string{"#" + tag, "#art"},
		}
		if rng.IntN(3) == 0 {
			p.AltTexts = []string{fmt.Sprintf(altTemplate, w(), w())}
		}
		if rng.IntN(10) == 0 {
			p.Summary = "eye contact, " + w()
		}
		posts[i] = p
	}
	return posts
}
