package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		criteria string
		wantMsg  string // substring of the error
	}{
		{`not json`, "not valid JSON"},
		{`[]`, "must be a JSON object"},
		{`"t"`, "must be a JSON object"},
		{`{"t":{"$where":"this.t == 1"}}`, "$where is not supported"},
		{`{"$where":"1"}`, "$where is not supported"},
		{`{"t":{"$foo":1}}`, "unknown operator $foo"},
		{`{"$text":{"$search":"x"}}`, "unknown operator $text"},
		{`{"t":{"$eq":1,"x":2}}`, `mixes operators with the field "x"`},
		{`{"t":{"$or":[{"$eq":1}]}}`, "$or cannot be applied to a field"},
		{`{"$or":[]}`, "non-empty array"},
		{`{"$and":{"t":1}}`, "non-empty array"},
		{`{"$nor":[1]}`, "needs a query object"},
		{`{"t":{"$in":"x"}}`, "needs an array"},
		{`{"t":{"$in":[{"$gt":1}]}}`, "operators cannot be nested in $in"},
		{`{"t":{"$nin":[{"$gt":1}]}}`, "operators cannot be nested in $nin"},
		{`{"t":{"$gt":[1]}}`, "needs a number, string, boolean or null"},
		{`{"t":{"$lte":{}}}`, "needs a number, string, boolean or null"},
		{`{"t":{"$exists":1}}`, "needs true or false"},
		{`{"t":{"$type":"date"}}`, `unknown type "date"`},
		{`{"t":{"$type":"timestamp"}}`, `unknown type "timestamp"`},
		{`{"t":{"$type":2}}`, "needs a type name"},
		{`{"t":{"$regex":5}}`, "needs a pattern string"},
		{`{"t":{"$regex":"(a"}}`, "bad pattern"},
		{`{"t":{"$regex":"(?=a)"}}`, "bad pattern"},
		{`{"t":{"$regex":"a","$options":"g"}}`, `unsupported $options flag 'g'`},
		{`{"t":{"$regex":"a","$options":"x"}}`, `unsupported $options flag 'x'`},
		{`{"t":{"$regex":"a","$options":1}}`, "$options needs a string"},
		{`{"t":{"$options":"i"}}`, "$options needs a $regex"},
		{`{"t":{"$regex":"` + strings.Repeat("a", MaxRegexBytes+1) + `"}}`, "pattern longer than"},
		{`{"t":{"$size":-1}}`, "non-negative integer"},
		{`{"t":{"$size":1.5}}`, "non-negative integer"},
		{`{"t":{"$mod":[2]}}`, "[divisor, remainder]"},
		{`{"t":{"$mod":[0,1]}}`, "divisor must not be zero"},
		{`{"t":{"$mod":["2",1]}}`, "as numbers"},
		{`{"t":{"$elemMatch":5}}`, "needs a query object"},
		{`{"t":{"$all":{}}}`, "needs an array"},
		{`{"t":{"$not":{"$bogus":1}}}`, "unknown operator $bogus"},
		{`{"t":{"$elemMatch":{"a":{"$where":"x"}}}}`, "$where is not supported"},
		{`{"t":1e400}`, "out of range"},
		{strings.Repeat(`{"a":`, MaxCriteriaDepth+1) + "1" + strings.Repeat("}", MaxCriteriaDepth+1), "nested deeper"},
		{`{"a":"` + strings.Repeat("x", MaxCriteriaBytes) + `"}`, "larger than"},
	}
	for _, tc := range cases {
		_, err := Compile([]byte(tc.criteria))
		if err == nil {
			t.Errorf("Compile(%.80s) succeeded; want error containing %q", tc.criteria, tc.wantMsg)
			continue
		}
		if !errors.Is(err, ErrInvalidCriteria) {
			t.Errorf("Compile(%.80s): %v does not wrap ErrInvalidCriteria", tc.criteria, err)
		}
		if !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("Compile(%.80s): %q does not contain %q", tc.criteria, err, tc.wantMsg)
		}
	}
}

func TestCompileErrorNamesLocation(t *testing.T) {
	_, err := Compile([]byte(`{"$or":[{"t":"A"},{"d.content":{"$regex":"(x"}}]}`))
	if err == nil || !strings.Contains(err.Error(), `$or[1]."d.content".$regex`) {
		t.Fatalf("error %v does not name the location", err)
	}
}

func TestCompileTooManyPaths(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i <= maxPathsPerScope; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"p`)
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(`":1`)
	}
	b.WriteString("}")
	if _, err := Compile([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "distinct paths") {
		t.Fatalf("got %v", err)
	}
}

func TestCompileAccepts(t *testing.T) {
	for _, c := range []string{
		`{}`,
		`{"t":{"$regex":"^MESSAGE_","$options":"ims"}}`,
		`{"d.author.bot":{"$ne":true},"d.guild_id":{"$in":["1","2"]}}`,
		`{"$and":[{"$or":[{"a":1},{"b":2}]},{"$nor":[{"c":3}]}]}`,
		`{"a":{"$not":{"$or":[{"$eq":1},{"$gt":5}]}}}`,
		`{"a":{"$elemMatch":{"$and":[{"x":1},{"y":{"$exists":false}}]}}}`,
		`{"a":{"$all":[1,[1,2],{"x":1},{"$size":2}]}}`,
		`{"a":{"$eq":{"$literal":1}}}`,
		`{"a.b.c.0.d":{"$mod":[2.5,0.5]}}`,
	} {
		if _, err := Compile([]byte(c)); err != nil {
			t.Errorf("Compile(%s): %v", c, err)
		}
	}
}

func TestJSNumeric(t *testing.T) {
	for seg, want := range map[string]bool{
		"0": true, "12": true, "01": true, "": true, " 3 ": true, "1.5": true, "-1": true, "1e3": true,
		"0x1f": true, "Infinity": true, "id": false, "1a": false, "e3": false, "0x": false, "--1": false, ".": false,
	} {
		if got := jsNumeric(seg); got != want {
			t.Errorf("jsNumeric(%q) = %v, want %v", seg, got, want)
		}
	}
	for seg, want := range map[string]int{"0": 0, "7": 7, "01": -1, "": -1, "1.0": -1, "123456789": 123456789, "1234567890": -1} {
		if got := arrayIndex(seg); got != want {
			t.Errorf("arrayIndex(%q) = %d, want %d", seg, got, want)
		}
	}
}
