package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trustedTestDocs returns the testdata dispatches and hand-made documents
// whose strings hold brackets, quotes and backslash runs across the 64-byte
// blocks of the trusted scanner.
func trustedTestDocs(t *testing.T) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	var docs [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	for pad := 0; pad < 140; pad++ {
		for _, run := range []int{0, 1, 2, 3, 4} {
			s := strings.Repeat("x", pad) + strings.Repeat(`\`, run) + `"{[` + strings.Repeat(`\`, run) + `]}`
			raw, err := json.Marshal(map[string]any{
				"a": s, "b": []any{s, map[string]any{s: []any{s, 1, nil}}}, "t": "MESSAGE_CREATE",
				"d": map[string]any{"k" + s: s, "channel_id": "1", "e": map[string]any{}, "f": []any{}},
			})
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, raw)
		}
	}
	docs = append(docs,
		[]byte(` { "t" : "MESSAGE_CREATE" , "d" : { "x" : [ 1 , { "y" : "]" } , -2.5e+3 ] , "channel_id" : "1" } } `),
		[]byte(`{"\u0074":"MESSAGE_CREATE","d":{"channel\u005fid":"1","\"":{"\\":"}"}}}`),
		[]byte(`[[[[["\\\\\\\\"]]]],{"a":"\\\"\\"},true,false,null,0]`),
	)
	return docs
}

// valueStarts returns the offsets of every value and every object key of
// the valid JSON document d, with the index past each.
func valueStarts(t *testing.T, d []byte) (values, keys [][2]int) {
	t.Helper()
	var walk func(i int) int
	walk = func(i int) int {
		i = skipWS(d, i)
		start := i
		switch d[i] {
		case '{':
			i = skipWS(d, i+1)
			for d[i] != '}' {
				end, _, err := scanString(d, i)
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, [2]int{i, end})
				i = skipWS(d, end) + 1 // past ':'
				i = skipWS(d, walk(i))
				if d[i] == ',' {
					i = skipWS(d, i+1)
				}
			}
			i++
		case '[':
			i = skipWS(d, i+1)
			for d[i] != ']' {
				i = skipWS(d, walk(i))
				if d[i] == ',' {
					i = skipWS(d, i+1)
				}
			}
			i++
		default:
			end, err := skipValue(d, i, 0)
			if err != nil {
				t.Fatal(err)
			}
			i = end
		}
		values = append(values, [2]int{start, i})
		return i
	}
	walk(0)
	return values, keys
}

func TestTrustedIndexSkipsLikeTheValidator(t *testing.T) {
	for n, d := range trustedTestDocs(t) {
		values, keys := valueStarts(t, d)
		var ix trustedIndex
		ix.reset(d)
		// Out of order on purpose: the index must not depend on the order
		// of the questions.
		for k := len(values) - 1; k >= 0; k-- {
			v := values[k]
			if got := ix.skip(v[0]); got != v[1] {
				t.Fatalf("doc %d: skip(%d) = %d, want %d (%.40q)", n, v[0], got, v[1], d[v[0]:])
			}
		}
		ix.reset(d)
		for _, k := range keys {
			end, esc := ix.key(k[0])
			_, wantEsc, _ := scanString(d, k[0])
			if end != k[1] || esc != wantEsc {
				t.Fatalf("doc %d: key(%d) = %d, %v; want %d, %v", n, k[0], end, esc, k[1], wantEsc)
			}
		}
	}
}

func TestClassifyBlocksMatchesGo(t *testing.T) {
	checkClassifier(t, classifyBlocks)
}

// checkClassifier compares classify with classifyBlocksGo on the test
// documents and on random bytes, at several alignments.
func checkClassifier(t *testing.T, classify func([]blockMasks, []byte)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 64*40+17)
	for i := range src {
		switch rng.IntN(4) {
		case 0:
			src[i] = byte(rng.IntN(256))
		default:
			src[i] = "\"\\[]{}Y_y\x7fazAZ09 ,:"[rng.IntN(19)]
		}
	}
	for _, d := range append(trustedTestDocs(t), src) {
		for off := 0; off < 64 && off < len(d); off += 7 {
			n := (len(d) - off) / 64
			got := make([]blockMasks, n+1)
			want := make([]blockMasks, n+1)
			classify(got, d[off:])
			classifyBlocksGo(want, d[off:])
			for b := range got {
				if got[b] != want[b] {
					t.Fatalf("offset %d block %d: %+v, want %+v", off, b, got[b], want[b])
				}
			}
			if got[n] != (blockMasks{}) {
				t.Fatalf("a partial block was classified")
			}
		}
	}
}

func TestMatchTrustedAgreesWithMatch(t *testing.T) {
	criteria := append(fuzzCriteriaSeeds(),
		`{"t":"MESSAGE_CREATE","d.channel_id":"1"}`,
		`{"d.channel_id":{"$ne":"1"}}`,
		`{"t":"MESSAGE_CREATE","d.content":{"$regex":"#(traditional|digital)\\b","$options":"i"}}`,
		`{"b.1":{"$type":"object"},"a":{"$exists":true}}`,
		`{"$type":"object","t":"MESSAGE_CREATE"}`,
	)
	for _, c := range criteria {
		f, err := Compile([]byte(c))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range trustedTestDocs(t) {
			want, err := f.Match(d)
			if err != nil {
				t.Fatalf("Match(%s): %v", d, err)
			}
			if got, err := f.MatchTrusted(d); got != want || err != nil {
				t.Fatalf("criteria %s doc %s: MatchTrusted = %v, %v; Match %v", c, d, got, err, want)
			}
		}
	}
}

// TestMatchTrustedDuplicateKeys checks that a condition found to hold early
// is evaluated again when a repeated key adds candidates to its path.
func TestMatchTrustedDuplicateKeys(t *testing.T) {
	doc := []byte(`{"t":"MESSAGE_CREATE","d":{"channel_id":"1","x":2,"channel_id":"2"}}`)
	for _, tc := range []struct {
		criteria string
		want     bool
	}{
		{`{"t":"MESSAGE_CREATE","d.channel_id":{"$ne":"2"}}`, false},
		{`{"t":"MESSAGE_CREATE","d.channel_id":{"$nin":["3","2"]}}`, false},
		{`{"t":"MESSAGE_CREATE","d.channel_id":"1"}`, true},
		// Early rejection decides on the first occurrence (as Match always
		// has), so the second "channel_id" is never seen.
		{`{"t":"MESSAGE_CREATE","d.channel_id":"2"}`, false},
		{`{"d.channel_id":{"$size":0},"t":"MESSAGE_CREATE"}`, false},
	} {
		f, err := Compile([]byte(tc.criteria))
		if err != nil {
			t.Fatal(err)
		}
		for name, match := range map[string]func([]byte) (bool, error){"Match": f.Match, "MatchTrusted": f.MatchTrusted} {
			if got, err := match(doc); got != tc.want || err != nil {
				t.Errorf("%s(%s) = %v, %v; want %v", name, tc.criteria, got, err, tc.want)
			}
		}
	}
	// A repeated parent key that lacks the path marks it missing as well.
	f, err := Compile([]byte(`{"d.a":{"$exists":true},"t":"A"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{`{"d":{"a":1},"d":{},"t":"A"}`, `{"d":{"a":1},"d":[],"t":"A"}`} {
		want, _ := f.Match([]byte(d))
		if got, err := f.MatchTrusted([]byte(d)); got != want || err != nil {
			t.Errorf("%s: MatchTrusted = %v, %v; Match %v", d, got, err, want)
		}
	}
}

// TestMatchTrustedInvalidInput feeds truncated and corrupted dispatches:
// MatchTrusted may give any answer but must not panic, and errors must
// wrap ErrInvalidDispatch.
func TestMatchTrustedInvalidInput(t *testing.T) {
	var filters []*Filter
	for _, c := range append(fuzzCriteriaSeeds(), `{"t":"MESSAGE_CREATE","d.channel_id":"1249876543210987654"}`) {
		f, err := Compile([]byte(c))
		if err != nil {
			t.Fatal(err)
		}
		filters = append(filters, f)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	docs := trustedTestDocs(t)
	check := func(d []byte) {
		for _, f := range filters {
			_, err := f.MatchTrusted(d)
			if err != nil && !errors.Is(err, ErrInvalidDispatch) {
				t.Fatalf("error %v does not wrap ErrInvalidDispatch", err)
			}
		}
	}
	for _, d := range docs[:8] {
		for n := 0; n <= len(d); n += 1 + n/64 {
			check(d[:n])
		}
		for k := 0; k < 200; k++ {
			c := append([]byte(nil), d...)
			for j := 0; j < 1+rng.IntN(3); j++ {
				c[rng.IntN(len(c))] = `"\{}[],:`[rng.IntN(8)]
			}
			check(c)
		}
	}
	for _, b := range []string{``, ` `, `"`, `{"`, `{"t":"\u12"}`, `{"t\u12":1}`, `{"d":{"a\`, `{"d":"\`, `}`, `]]]]`} {
		check([]byte(b))
	}
}

func TestMatchTrustedMatchAll(t *testing.T) {
	f, err := Compile([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{`{"t":"X"}`, ``, `{`} {
		if ok, err := f.MatchTrusted([]byte(d)); !ok || err != nil {
			t.Errorf("MatchTrusted(%q) with {} = %v, %v", d, ok, err)
		}
	}
}

func ExampleFilter_MatchTrusted() {
	f, err := Compile([]byte(`{"t":"MESSAGE_CREATE","d.channel_id":"1249876543210987654"}`))
	if err != nil {
		panic(err)
	}
	// A dispatch rebuilt from a payload the gateway client has decoded.
	ok, err := f.MatchTrusted([]byte(`{"op":0,"d":{"channel_id":"1249876543210987654","content":"hi"},"s":7,"t":"MESSAGE_CREATE"}`))
	fmt.Println(ok, err)
	// Output: true <nil>
}
