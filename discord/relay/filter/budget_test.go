package filter

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp/syntax"
	"runtime"
	"strings"
	"testing"
)

// manyRegexes builds criteria with n $regex operators on d.content, all
// inside one $or (the measured attack).
func manyRegexes(n int, pattern func(i int) string) []byte {
	var b strings.Builder
	b.WriteString(`{"t":"MESSAGE_CREATE","$or":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"d.content":{"$regex":%q}}`, pattern(i))
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// contentDispatch is a MESSAGE_CREATE whose content is the given text.
func contentDispatch(content string) []byte {
	return fmt.Appendf(nil, `{"op":0,"s":1,"t":"MESSAGE_CREATE","d":{"id":"1","channel_id":"2","author":{"id":"3","bot":false},"content":%q}}`, content)
}

// TestCompileRefusesCostlyFilters sends the measured attacks (and variants)
// through Compile and checks the refusal names the total and the limit.
func TestCompileRefusesCostlyFilters(t *testing.T) {
	nested := func(n int) string { // n nested $not: n+1 operators
		return `{"a":` + strings.Repeat(`{"$not":`, n) + `1` + strings.Repeat(`}`, n) + `}`
	}
	manyOps := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"t":"MESSAGE_CREATE","$or":[`)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"d.channel_id":"%d"}`, i)
		}
		b.WriteString("]}")
		return []byte(b.String())
	}
	cases := []struct {
		name     string
		criteria []byte
		want     string
	}{
		{"1579 backtracking regexes", manyRegexes(1579, func(i int) string { return fmt.Sprintf("(.*a){%d}$", i%50+1) }),
			"criteria has 1,579 $regex operators; at most 64 are allowed"},
		{"1277 huge classes", manyRegexes(1277, func(int) string { return `[\p{L}\p{N}]{1000}` }),
			"criteria has 1,277 $regex operators; at most 64 are allowed"},
		{"one huge class", manyRegexes(1, func(int) string { return `[\p{L}\p{N}]{1000}` }),
			`total program size of 95,002; at most 1,024 is allowed (the largest, at $or[0]."d.content".$regex, has 95,002`},
		{"64 regexes too big together", manyRegexes(64, func(int) string { return `(.*a){3}$` }),
			"total program size of 1,"},
		{"300 operators", manyOps(300), "criteria has 302 operators; at most 256 are allowed"},
		{"nested operators", []byte(nested(MaxCriteriaDepth - 2)), ""}, // within every limit
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Compile(tc.criteria)
			runtime.ReadMemStats(&after)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidCriteria) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compile: %v\nwant an ErrInvalidCriteria containing %q", err, tc.want)
			}
			// Refusing costs about what reading the criteria costs, not
			// what compiling their regexes would (60 MB for the classes).
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Fatalf("refusing allocated %d bytes", alloc)
			}
		})
	}
}

// realisticCriteria are filters bots really register (DCC's sample, the
// package's benchmarks, prefix commands), which must stay far within every
// budget on every testdata dispatch.
var realisticCriteria = []string{
	dccSampleCriteria,
	`{"t":"MESSAGE_CREATE","d.content":{"$regex":"^!(art|wip|sketch|commission|price|help)\\b","$options":"i"},"d.author.bot":{"$ne":true}}`,
	`{"t":{"$in":["MESSAGE_CREATE","MESSAGE_UPDATE","MESSAGE_DELETE"]},"d.guild_id":"1190411000963416064","d.channel_id":{"$in":["1","2","3","4","5","6","7","8","9","10"]}}`,
	`{"t":"MESSAGE_CREATE","d.attachments":{"$elemMatch":{"content_type":{"$regex":"^image/(png|jpeg|gif|webp)$"},"size":{"$lt":26214400}}}}`,
	`{"t":"INTERACTION_CREATE","d.type":{"$in":[2,3,5]},"d.data.name":{"$in":["art","gallery","post"]}}`,
	`{"t":"MESSAGE_CREATE","$or":[{"d.content":{"$regex":"#(traditional|digital|wip|sketch|inktober)\\b","$options":"i"}},{"d.content":{"$regex":"https?://(www\\.)?(artstation|deviantart|pixiv)\\.","$options":"i"}},{"d.member.roles":{"$all":["1201877345662210058"]}}]}`,
}

// dccSampleCriteria is the shape of DCC's sample bot's criteria: message
// creates from humans that are DMs, mention the bot or start with a prefix.
const dccSampleCriteria = `{"t":"MESSAGE_CREATE","d.author.bot":{"$not":{"$eq":true}},"$or":[{"d.guild_id":{"$exists":false}},{"d.mentions":{"$elemMatch":{"id":"271938371117187072"}}},{"d.content":{"$regex":"^!"}}]}`

func TestRealisticFiltersWithinBudget(t *testing.T) {
	for _, c := range append(realisticCriteria, mapValues(benchCriteria)...) {
		f, err := Compile([]byte(c))
		if err != nil {
			t.Fatalf("Compile(%s): %v", c, err)
		}
		files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
		docs := [][]byte{contentDispatch(strings.Repeat("!a #wip ", 500))} // 4,000 bytes of content (Nitro's longest message)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, b)
		}
		for _, d := range docs {
			if _, err := f.Match(d); err != nil {
				t.Errorf("criteria %s on %.60s: %v", c, d, err)
			}
			limit := MaxMatchSteps / 32 // Discord's dispatches
			if len(d) > 4000 {
				limit = MaxMatchSteps / 2 // the longest message Discord allows
			}
			if steps := stepsUsed(f, d); steps > limit {
				t.Errorf("criteria %s on %.60s used %d steps, more than %d", c, d, steps, limit)
			}
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// stepsUsed returns the steps f spent matching d.
func stepsUsed(f *Filter, d []byte) int {
	ev := f.pool.Get().(*evaluator)
	defer f.pool.Put(ev)
	f.matchWith(ev, d, false)
	return MaxMatchSteps - ev.left
}

// TestOverBudgetDispatch runs the worst filter Compile accepts against the
// attack's dispatch: it stops within the budget, does not match, and says
// why; $not of an exhausted condition does not turn into a match.
func TestOverBudgetDispatch(t *testing.T) {
	worst := worstRegexCriteria()
	attack := contentDispatch(strings.Repeat("a", 4000) + "b") // no regex matches: each runs to the end
	for _, criteria := range [][]byte{worst, []byte(`{"d.content":{"$not":{"$regex":"(.*a){100}$"}}}`)} {
		f, err := Compile(criteria)
		if err != nil {
			t.Fatalf("Compile: %v", err)
		}
		for _, match := range []func([]byte) (bool, error){f.Match, f.MatchTrusted} {
			ok, err := match(attack)
			if ok || !errors.Is(err, ErrOverBudget) || errors.Is(err, ErrInvalidDispatch) {
				t.Fatalf("criteria %.80s: got %v, %v; want false and ErrOverBudget", criteria, ok, err)
			}
		}
		// The same filter still answers dispatches within its budget.
		if ok, err := f.Match(contentDispatch("b")); err != nil {
			t.Fatalf("short content: %v, %v", ok, err)
		}
	}
}

// worstRegexCriteria is the costliest regex filter Compile accepts: 64
// $regex operators of the measured (.*a){n}$ shape filling
// MaxRegexProgram, all run on d.content.
func worstRegexCriteria() []byte {
	per := MaxRegexProgram / MaxRegexes
	return manyRegexes(MaxRegexes, func(int) string {
		n := 1
		for {
			re, _ := syntax.Parse(fmt.Sprintf("(.*a){%d}$", n+1), syntax.Perl)
			if regexProgramSize(re) > per {
				return fmt.Sprintf("(.*a){%d}$", n)
			}
			n++
		}
	})
}

// TestRegexProgramSizeBoundsProgram checks that the estimate is at least the
// number of instructions RE2 compiles, for patterns of every kind.
func TestRegexProgramSizeBoundsProgram(t *testing.T) {
	for _, p := range []string{
		`a`, `abc`, `(?i)#(art|wip)\b`, `^!art\b`, `(.*a){20}$`, `[\p{L}\p{N}]{10}`, `\w+@\w+\.com`, `x{2,5}`, `x{3,}`,
		`(a|b|c|d)*z`, `(?s).+`, `(?m)^$`, `(?:ab)+?c`, `[^a-z]{0,7}`, `((a{2}){3}){4}`, `a??b*?c+?`, ``, `\pL`, `[\x{1F600}-\x{1F64F}]`,
		`https?://(www\.)?(artstation|deviantart|pixiv)\.`, `^image/(png|jpeg|gif|webp)$`,
	} {
		re, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		est := regexProgramSize(re)
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			t.Fatal(err)
		}
		if est < len(prog.Inst) {
			t.Errorf("%s: estimate %d < %d instructions", p, est, len(prog.Inst))
		}
	}
}

func TestGrouped(t *testing.T) {
	for n, want := range map[int]string{0: "0", 64: "64", 999: "999", 1000: "1,000", 1579: "1,579", 1234567: "1,234,567", -1579: "-1,579"} {
		if got := grouped(n); got != want {
			t.Errorf("grouped(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestWalkOnlySlots checks which path ends MatchTrusted may jump over: only
// those read by nothing but $elemMatch over paths.
func TestWalkOnlySlots(t *testing.T) {
	for c, want := range map[string]bool{
		`{"d.m":{"$elemMatch":{"id":"1"}}}`:                                   true,
		`{"$or":[{"d.m":{"$elemMatch":{"id":"1"}}},{"t":1}]}`:                 true,
		`{"d.m":{"$elemMatch":{"$gt":1}}}`:                                    false, // reads the elements themselves
		`{"d.m":{"$elemMatch":{"id":"1"},"$size":2}}`:                         false,
		`{"d.m":{"$elemMatch":{"id":"1"}},"$or":[{"d.m":[1]},{"t":1}]}`:       false,
		`{"d.m":{"$elemMatch":{"$and":[{"id":"1"},{"$type":"object"}]}}}`:     false,
		`{"d.m":{"$not":{"$elemMatch":{"id":"1"}}}}`:                          false,
		`{"d.m":{"$elemMatch":{"a":{"$elemMatch":{"b":1}}}},"d.n":{"$eq":1}}`: true,
	} {
		f, err := Compile([]byte(c))
		if err != nil {
			t.Fatal(err)
		}
		var got bool
		for _, k := range f.q.scope.root.kids[0].kids {
			if k.key == "m" {
				got = k.walkOnly
			}
		}
		if got != want {
			t.Errorf("%s: walkOnly %v, want %v", c, got, want)
		}
	}
}
