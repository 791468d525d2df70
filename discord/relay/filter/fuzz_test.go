package filter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
)

// perInputBudget bounds the time one fuzz input may take: Compile and Match
// are linear in their input (RE2 regexes included), so anything slower is a
// runaway.
const perInputBudget = 2 * time.Second

func FuzzCompile(f *testing.F) {
	for _, c := range append(fuzzCriteriaSeeds(), `not json`, `[]`, `{"a":{"$regex":"(a+)+$"}}`) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, criteria []byte) {
		start := time.Now()
		flt, err := Compile(criteria)
		if err != nil {
			if !errors.Is(err, ErrInvalidCriteria) {
				t.Fatalf("error %v does not wrap ErrInvalidCriteria", err)
			}
			return
		}
		// Whatever compiles must evaluate without panicking.
		for _, d := range []string{sampleDoc, `{}`, `[]`, `null`, `{"d":[[[]]]}`} {
			want, err := flt.Match([]byte(d))
			if err != nil {
				t.Fatalf("Match(%s): %v", d, err)
			}
			if got, err := flt.MatchTrusted([]byte(d)); got != want || err != nil {
				t.Fatalf("MatchTrusted(%s) = %v, %v; Match %v", d, got, err, want)
			}
		}
		if el := time.Since(start); el > perInputBudget {
			t.Fatalf("took %v", el)
		}
	})
}

func FuzzMatch(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, uint8(0))
		}
	}
	for _, d := range []string{sampleDoc, `{"d":[1,[2,{"a":"\u00e9"}]],"t":null}`, `{"a":`, `[1,]`, `"\ud800"`} {
		f.Add([]byte(d), uint8(1))
	}
	seeds := fuzzCriteriaSeeds()
	filters := make([]*Filter, len(seeds))
	for i, c := range seeds {
		flt, err := Compile([]byte(c))
		if err != nil {
			f.Fatalf("seed criteria %s: %v", c, err)
		}
		filters[i] = flt
	}
	f.Fuzz(func(t *testing.T, dispatch []byte, which uint8) {
		start := time.Now()
		valid := json.Valid(dispatch)
		flt := filters[int(which)%len(filters)]
		ok, err := flt.Match(dispatch)
		if err != nil && !errors.Is(err, ErrInvalidDispatch) {
			t.Fatalf("error %v does not wrap ErrInvalidDispatch", err)
		}
		if !valid && ok {
			t.Fatalf("invalid JSON matched")
		}
		// MatchTrusted must survive any input, and agree with Match on
		// valid input (repeated keys included).
		trusted, terr := flt.MatchTrusted(dispatch)
		if terr != nil && !errors.Is(terr, ErrInvalidDispatch) {
			t.Fatalf("MatchTrusted error %v does not wrap ErrInvalidDispatch", terr)
		}
		if valid && depthOf(dispatch) <= maxDocDepth && (trusted != ok || terr != nil) {
			t.Fatalf("MatchTrusted = %v, %v; Match %v, %v", trusted, terr, ok, err)
		}
		if valid && err != nil && !errors.Is(err, errTooDeep) {
			t.Fatalf("valid JSON rejected: %v", err)
		}
		if valid && err == nil && depthOf(dispatch) <= maxDocDepth {
			var v any
			if json.Unmarshal(dispatch, &v) == nil && comparable(dispatch) {
				var crit map[string]any
				if e := json.Unmarshal([]byte(seeds[int(which)%len(seeds)]), &crit); e != nil {
					t.Fatal(e)
				}
				if want := refMatch(crit, v); want != ok {
					t.Fatalf("scanner %v, reference %v", ok, want)
				}
			}
		}
		// Criteria reading no path must always report invalid input.
		all, _ := Compile([]byte(`{}`))
		if _, err := all.Match(dispatch); (err == nil) != (valid && depthOf(dispatch) <= maxDocDepth) {
			t.Fatalf("validation disagrees with encoding/json: valid=%v err=%v", valid, err)
		}
		if el := time.Since(start); el > perInputBudget {
			t.Fatalf("took %v", el)
		}
	})
}

func fuzzCriteriaSeeds() []string {
	return []string{
		`{}`,
		`{"t":"MESSAGE_CREATE","d.channel_id":"1249876543210987654"}`,
		`{"d.content":{"$regex":"a.b","$options":"is"},"d.author.bot":{"$ne":true}}`,
		`{"d.mentions":{"$elemMatch":{"id":{"$in":["1","271938371117187072"]}}},"d.member.roles":{"$size":3}}`,
		`{"$or":[{"d.a":{"$exists":false}},{"d.a.0.b":{"$gte":null}}],"$nor":[{"t":{"$type":"array"}}]}`,
		`{"d":{"$all":[{"$type":"object"},{"a":{"$not":{"$mod":[3,1]}}}]},"d.x":[1,{"y":null}]}`,
		dccSampleCriteria,
		`{"d.a":{"$elemMatch":{"b":{"$elemMatch":{"c":1}}}},"$or":[{"d.x":{"$elemMatch":{"y":{"$regex":"z"}}}},{"t":1}]}`,
	}
}

// depthOf returns the maximal nesting of valid JSON.
func depthOf(b []byte) int {
	depth, maxDepth := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			end, _, err := scanString(b, i)
			if err != nil {
				return 0
			}
			i = end - 1
		case '{', '[':
			depth++
			maxDepth = max(maxDepth, depth)
		case '}', ']':
			depth--
		}
	}
	return maxDepth
}

// comparable reports whether the reference evaluator can be compared with
// the scanner on b: every string valid UTF-8 without surrogate escapes (where
// encoding/json substitutes U+FFFD while the scanner compares raw bytes), and
// no object with a duplicate key (encoding/json keeps the last, the scanner
// reads every occurrence).
func comparable(b []byte) bool {
	if !utf8.Valid(b) || bytes.Contains(bytes.ToLower(b), []byte(`\ud`)) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		keys  map[string]bool
		inObj bool
		key   bool // the next string token is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return err == io.EOF
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{keys: map[string]bool{}, inObj: true, key: true})
				continue
			case '[':
				stack = append(stack, frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].inObj && stack[n-1].key {
				if stack[n-1].keys[v] {
					return false
				}
				stack[n-1].keys[v] = true
				stack[n-1].key = false
				continue
			}
		}
		if n := len(stack); n > 0 && stack[n-1].inObj {
			stack[n-1].key = true
		}
	}
}
