package moderation

import "testing"

const matchRules = `
[[rulesets]]
name = "w"
action = "notify"
keywords = ["ass", "lewd art", "don't", "ｆｕｌｌ", "Straße", "死ね", "ข้าว", "c++"]
hashtags = ["nsfw", "#Lewd_Art"]

[[rulesets.keyword]]
term = "gift"
languages = ["de"]

[[rulesets.keyword]]
term = "mist"
languages = ["de", "nl-BE"]
`

func TestScanMatching(t *testing.T) {
	e := mustEngine(t, matchRules)
	tests := []struct {
		name string
		post Post
		want string
	}{
		{"whole word", Post{Content: "<p>what an ass.</p>"}, "w/ass/content×1"},
		{"inside longer word", Post{Content: "<p>first class assets, bass</p>"}, ""},
		{"prefix is not a word", Post{Content: "assassin"}, ""},
		{"counts", Post{Content: "ass ASS Ass ass-ass"}, "w/ass/content×5"},
		{"mixed case", Post{Content: "<p>LeWd ArT</p>"}, "w/lewd art/content×1"},
		{"full-width text", Post{Content: "ＬＥＷＤ　ＡＲＴ and ＡＳＳ"}, "w/ass/content×1 w/lewd art/content×1"},
		{"full-width keyword", Post{Content: "full moon"}, "w/ｆｕｌｌ/content×1"},
		{"case folding ß", Post{Content: "STRASSE 5"}, "w/Straße/content×1"},
		{"multi-word across punctuation", Post{Content: "lewd... art"}, "w/lewd art/content×1"},
		{"multi-word across tags", Post{Content: "<p>lewd</p><p>art</p>"}, "w/lewd art/content×1"},
		{"multi-word across br", Post{Content: "lewd<br>art"}, "w/lewd art/content×1"},
		{"multi-word needs adjacency", Post{Content: "lewd modern art"}, ""},
		{"inline tags join words", Post{Content: "a<b>s</b>s"}, "w/ass/content×1"},
		{"block tags split words", Post{Content: "a<p>ss</p>"}, ""},
		{"entities decoded", Post{Content: "lewd&nbsp;art &amp; ass"}, "w/ass/content×1 w/lewd art/content×1"},
		{"apostrophe splits", Post{Content: "don’t do that, don't"}, "w/don't/content×2"},
		{"symbols separate", Post{Content: "c++ and c"}, "w/c++/content×2"},
		{"script dropped", Post{Content: "<script>ass</script><style>ass</style>ok"}, ""},
		{"japanese inside a run", Post{Content: "お前は死ねばいい"}, "w/死ね/content×1"},
		{"japanese partial", Post{Content: "死んだ"}, ""},
		{"thai with marks", Post{Content: "กินข้าวแล้ว"}, "w/ข้าว/content×1"},
		{"hashtag in text", Post{Content: `<a href="x" class="mention hashtag" rel="tag">#<span>NSFW</span></a>`}, "w/#nsfw/content×1"},
		{"hashtag needs hash", Post{Content: "nsfw"}, ""},
		{"hashtag whole", Post{Content: "#nsfwart #nsfw_x a#nsfw"}, ""},
		{"hashtag underscore", Post{Content: "#lewd_art"}, "w/#Lewd_Art/content×1 w/lewd art/content×1"},
		{"hashtag full-width hash", Post{Content: "＃ＮＳＦＷ"}, "w/#nsfw/content×1"},
		{"tag object", Post{Hashtags: []string{"#NSFW"}}, "w/#nsfw/tag×1"},
		{"tag object without hash", Post{Hashtags: []string{"nsfw", "#nsfw"}}, "w/#nsfw/tag×1"},
		{"tag object and text counted once", Post{Content: "#nsfw", Hashtags: []string{"#nsfw"}}, "w/#nsfw/content×1"},
		{"keywords do not scan tag objects", Post{Hashtags: []string{"#ass"}}, ""},
		{"summary is the CW", Post{Summary: "lewd art"}, "w/lewd art/summary×1"},
		{"summary is plain text", Post{Summary: "<b>a</b>ss"}, ""},
		{"name", Post{Name: "Ass"}, "w/ass/name×1"},
		{"alt text", Post{AltTexts: []string{"a drawing", "lewd art of a cat"}}, "w/lewd art/attachment×1"},
		{"poll", Post{PollOptions: []string{"yes", "ass"}}, "w/ass/poll×1"},
		{"all fields", Post{Content: "ass", Summary: "ass", AltTexts: []string{"ass ass"}}, "w/ass/attachment×2 w/ass/content×1 w/ass/summary×1"},
		{"language match", Post{Content: "ein gift", Languages: []string{"de"}}, "w/gift/content×1"},
		{"language match by subtag", Post{Content: "gift", Languages: []string{"de-AT"}}, "w/gift/content×1"},
		{"language mismatch", Post{Content: "a gift", Languages: []string{"en"}}, ""},
		{"unknown language", Post{Content: "gift"}, ""},
		{"undetermined language", Post{Content: "gift", Languages: []string{"und"}}, ""},
		{"one of the languages", Post{Content: "mist", Languages: []string{"nl"}}, "w/mist/content×1"},
		{"unlimited in any language", Post{Content: "ass", Languages: []string{"ja"}}, "w/ass/content×1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := joined(e.Scan(&tc.post)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestScanOnlyIfNotSensitive(t *testing.T) {
	e := mustEngine(t, `
[[rulesets]]
name = "cw"
action = "sensitive"
only_if_not_sensitive = true
hashtags = ["nsfw"]

[[rulesets]]
name = "all"
action = "notify"
hashtags = ["nsfw"]
`)
	p := Post{Hashtags: []string{"nsfw"}}
	if got := joined(e.Scan(&p)); got != "all/#nsfw/tag×1 cw/#nsfw/tag×1" {
		t.Errorf("not sensitive: %q", got)
	}
	p.Sensitive = true
	if got := joined(e.Scan(&p)); got != "all/#nsfw/tag×1" {
		t.Errorf("sensitive: %q", got)
	}
}

func TestScanOrderAndNil(t *testing.T) {
	e := mustEngine(t, `
[[rulesets]]
name = "b"
action = "notify"
keywords = ["two", "one"]
[[rulesets]]
name = "a"
action = "notify"
keywords = ["one"]
`)
	if got := e.Scan(&Post{Content: "nothing here"}); got != nil {
		t.Errorf("no hits: %v", got)
	}
	got := e.Scan(&Post{Content: "one two", Summary: "two"})
	if len(got) != 2 || got[0].Ruleset != "b" || got[1].Ruleset != "a" {
		t.Fatalf("rulesets out of order: %+v", got)
	}
	h := got[0].Hits
	if len(h) != 3 || h[0].Term != "one" || h[1].Term != "two" || h[2].Field != FieldSummary {
		t.Errorf("hits out of order: %+v", h)
	}
}

func TestScanManyDistinctHits(t *testing.T) {
	// More distinct hits than linearHits switches to the index map.
	var kw, text string
	for i := 0; i < 3*linearHits; i++ {
		w := wordName(i)
		kw += `"` + w + `",`
		text += w + " " + w + " "
	}
	e := mustEngine(t, "[[rulesets]]\nname=\"m\"\naction=\"notify\"\nkeywords=["+kw+"]\n")
	got := e.Scan(&Post{Content: text, Summary: text})
	if len(got) != 1 || len(got[0].Hits) != 6*linearHits {
		t.Fatalf("got %d hits", len(got[0].Hits))
	}
	for _, h := range got[0].Hits {
		if h.Count != 2 {
			t.Errorf("%+v", h)
		}
	}
}

// wordName returns a distinct letters-only word for i.
func wordName(i int) string {
	b := []byte("w")
	for {
		b = append(b, byte('a'+i%26))
		i /= 26
		if i == 0 {
			return string(b)
		}
	}
}
