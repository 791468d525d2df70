package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDifferential checks the scanner path (Compile + Match over raw bytes)
// against the reference evaluator (reference_test.go) over generated
// criteria × dispatches: the testdata payloads and random mutations of them.
func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250314, 7))
	docs := differentialDocs(t, rng)
	g := newCriteriaGen(rng, docs)
	nCriteria := 400
	if s := os.Getenv("FILTER_DIFF_CRITERIA"); s != "" {
		fmt.Sscan(s, &nCriteria)
	}
	var evaluated, matched int
	for n := 0; n < nCriteria; n++ {
		crit := g.query(0)
		raw, err := json.Marshal(crit)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Compile(raw)
		if err != nil {
			t.Fatalf("Compile(%s): %v", raw, err)
		}
		var critVal map[string]any
		if err := json.Unmarshal(raw, &critVal); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			got, err := f.Match(d.raw)
			if err != nil {
				t.Fatalf("Match error on valid JSON: %v\ncriteria %s\ndoc %s", err, raw, d.raw)
			}
			want := refMatch(critVal, d.val)
			if got != want {
				t.Fatalf("criteria %s\ndoc %s\nscanner %v, reference %v", raw, d.raw, got, want)
			}
			if trusted, err := f.MatchTrusted(d.raw); trusted != want || err != nil {
				t.Fatalf("criteria %s\ndoc %s\nMatchTrusted %v, %v; reference %v", raw, d.raw, trusted, err, want)
			}
			evaluated++
			if got {
				matched++
			}
		}
	}
	t.Logf("%d evaluations, %d matches", evaluated, matched)
	if matched < evaluated/20 || matched > evaluated*19/20 {
		t.Fatalf("generated criteria are degenerate: %d of %d match", matched, evaluated)
	}
}

type diffDoc struct {
	raw []byte
	val any
}

func differentialDocs(t *testing.T, rng *rand.Rand) []diffDoc {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata payloads: %v", err)
	}
	var docs []diffDoc
	add := func(raw []byte) {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("bad generated doc %s: %v", raw, err)
		}
		docs = append(docs, diffDoc{raw: raw, val: v})
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(raw)
		for k := 0; k < 4; k++ {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			for m := 0; m < 1+rng.IntN(4); m++ {
				v = mutate(rng, v, 0)
			}
			out, err := json.Marshal(v) // escapes <, > and & as \u003c…: exercises escapes
			if err != nil {
				t.Fatal(err)
			}
			add(out)
		}
	}
	add([]byte(`{"t":null,"d":[{"a":[1,[2,3]],"b":"x"},{"a":{"0":"y"}},[{"b":"z"}],5,null]}`))
	add([]byte(`{"t":"A","d":{"a":[],"b":{},"c":[[]],"s":"\u00e9\ud83d\ude00\"q\\","n":-0.5e1}}`))
	add([]byte(`[1,2,{"t":"x"}]`))
	// Strings that hold brackets, quotes and runs of backslashes, at every
	// offset around a 64-byte block boundary of the trusted scanner, in front
	// of the keys the criteria read; and the same dispatches indented.
	for pad := 50; pad < 80; pad++ {
		tricky := fmt.Sprintf(`{"x":%q,"y":["]}\\",{"z":"\\\"{["}],"op":0,"d":{"w":%q,"content":"a\"b","channel_id":"1"},"t":"MESSAGE_CREATE"}`,
			strings.Repeat("a", pad)+`\"}]`, strings.Repeat("\\", pad%7)+`"}`)
		add([]byte(tricky))
	}
	for _, d := range docs[:len(docs):len(docs)] {
		var b bytes.Buffer
		if err := json.Indent(&b, d.raw, " ", "\t"); err != nil {
			t.Fatal(err)
		}
		add(b.Bytes())
	}
	return docs
}

// mutate changes one random spot of v: removes a key, nulls or retypes a
// value, empties or wraps an array.
func mutate(rng *rand.Rand, v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return v
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		k := keys[rng.IntN(len(keys))]
		if depth > 0 && rng.IntN(4) == 0 {
			switch rng.IntN(3) {
			case 0:
				delete(x, k)
			case 1:
				x[k] = nil
			default:
				x[k] = []any{x[k]}
			}
			return x
		}
		x[k] = mutate(rng, x[k], depth+1)
		return x
	case []any:
		if len(x) == 0 || rng.IntN(5) == 0 {
			if rng.IntN(2) == 0 {
				return []any{}
			}
			return append(x, "extra")
		}
		i := rng.IntN(len(x))
		x[i] = mutate(rng, x[i], depth+1)
		return x
	case string:
		switch rng.IntN(3) {
		case 0:
			return float64(len(x))
		case 1:
			return x + "<&>"
		}
		return strings.ToUpper(x)
	case float64:
		return x + 1
	case bool:
		return !x
	case nil:
		return "was null"
	}
	return v
}

// criteriaGen builds random criteria from the paths and values of docs.
type criteriaGen struct {
	rng    *rand.Rand
	paths  []string
	values map[string][]any
	all    []any
	docs   []diffDoc
}

func newCriteriaGen(rng *rand.Rand, docs []diffDoc) *criteriaGen {
	g := &criteriaGen{rng: rng, values: map[string][]any{}, docs: docs}
	seen := map[string]bool{}
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		if depth > 5 {
			return
		}
		if prefix != "" && !seen[prefix] {
			seen[prefix] = true
			g.paths = append(g.paths, prefix)
		}
		if prefix != "" {
			g.values[prefix] = append(g.values[prefix], v)
			g.all = append(g.all, v)
		}
		join := func(k string) string {
			if prefix == "" {
				return k
			}
			return prefix + "." + k
		}
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(join(k), c, depth+1)
			}
		case []any:
			for i, c := range x {
				if i < 2 {
					walk(join(fmt.Sprint(i)), c, depth+1)
				}
				if m, ok := c.(map[string]any); ok { // implicit array paths
					for k, cc := range m {
						walk(join(k), cc, depth+1)
					}
				}
			}
		}
	}
	for _, d := range docs {
		walk("", d.val, 0)
	}
	sort.Strings(g.paths)
	g.paths = append(g.paths, "nope", "d.nope", "d.author.id.x", "d.mentions.5.id", "d.mentions.01", "d.member.roles.0", "d..x", "d.a.1.0", "d.a.b")
	g.all = append(g.all, nil, true, false, 0.0, 1.0, -5.0, "", "MESSAGE_CREATE", map[string]any{}, []any{})
	return g
}

func (g *criteriaGen) path() string { return g.paths[g.rng.IntN(len(g.paths))] }

// value picks a literal, usually one found at path.
func (g *criteriaGen) value(path string) any {
	if vs := g.values[path]; len(vs) > 0 && g.rng.IntN(10) < 7 {
		return vs[g.rng.IntN(len(vs))]
	}
	return g.all[g.rng.IntN(len(g.all))]
}

func (g *criteriaGen) scalar(path string) any {
	for k := 0; k < 5; k++ {
		switch v := g.value(path).(type) {
		case nil, bool, float64, string:
			return v
		}
	}
	return "fallback"
}

func (g *criteriaGen) stringValue(path string) string {
	for k := 0; k < 8; k++ {
		if s, ok := g.value(path).(string); ok && s != "" {
			return s
		}
	}
	return "a"
}

// query builds a query document; depth bounds the nesting.
func (g *criteriaGen) query(depth int) map[string]any {
	q := map[string]any{}
	n := 1 + g.rng.IntN(2)
	for k := 0; k < n; k++ {
		if depth < 2 && g.rng.IntN(6) == 0 {
			ops := []string{"$and", "$or", "$nor"}
			list := []any{}
			for j := 0; j < 1+g.rng.IntN(3); j++ {
				list = append(list, g.query(depth+1))
			}
			q[ops[g.rng.IntN(3)]] = list
			continue
		}
		p := g.path()
		if g.rng.IntN(3) == 0 {
			q[p] = g.value(p)
		} else {
			q[p] = g.opDoc(p, depth)
		}
	}
	return q
}

// opDoc builds an operator object for path p.
func (g *criteriaGen) opDoc(p string, depth int) map[string]any {
	m := map[string]any{}
	for k := 0; k < 1+g.rng.IntN(2); k++ {
		switch g.rng.IntN(17) {
		case 0:
			m["$eq"] = g.value(p)
		case 1:
			m["$ne"] = g.value(p)
		case 2, 3:
			op := []string{"$gt", "$gte", "$lt", "$lte"}[g.rng.IntN(4)]
			m[op] = g.scalar(p)
		case 4:
			list := []any{}
			for j := 0; j < g.rng.IntN(4); j++ {
				list = append(list, g.value(p))
			}
			if g.rng.IntN(2) == 0 {
				m["$in"] = list
			} else {
				m["$nin"] = list
			}
		case 5:
			m["$exists"] = g.rng.IntN(2) == 0
		case 6:
			m["$type"] = []string{"string", "number", "bool", "boolean", "object", "array", "null"}[g.rng.IntN(7)]
		case 7, 8:
			s := g.stringValue(p)
			start := g.rng.IntN(len(s))
			for start > 0 && !utf8.RuneStart(s[start]) {
				start--
			}
			end := start + 1 + g.rng.IntN(6)
			if end > len(s) {
				end = len(s)
			}
			for end < len(s) && !utf8.RuneStart(s[end]) {
				end++
			}
			pat := regexp.QuoteMeta(s[start:end])
			if g.rng.IntN(3) == 0 {
				pat = "^" + pat
			}
			if g.rng.IntN(2) == 0 {
				pat = strings.ToUpper(pat)
			}
			m["$regex"] = pat
			if o := []string{"", "i", "m", "s", "is"}[g.rng.IntN(5)]; o != "" {
				m["$options"] = o
			}
		case 9:
			m["$size"] = float64(g.rng.IntN(4))
		case 10:
			m["$mod"] = []any{float64(1 + g.rng.IntN(5)), float64(g.rng.IntN(3))}
		case 11:
			if depth < 2 {
				m["$elemMatch"] = g.query(depth + 1)
			} else {
				m["$elemMatch"] = map[string]any{"$exists": true}
			}
		case 12:
			if depth < 2 {
				m["$elemMatch"] = g.opDoc(p, depth+1)
			}
		case 13:
			list := []any{}
			for j := 0; j < g.rng.IntN(3); j++ {
				if g.rng.IntN(2) == 0 {
					list = append(list, g.value(p))
				} else if depth < 2 {
					list = append(list, g.opDoc(p, depth+1))
				}
			}
			m["$all"] = list
		case 14:
			if depth < 2 {
				m["$not"] = g.opDoc(p, depth+1)
			}
		case 15:
			if depth < 2 {
				m["$not"] = g.query(depth + 1)
			}
		default:
			m["$eq"] = g.scalar(p)
		}
	}
	if len(m) == 0 {
		m["$exists"] = true
	}
	return m
}
