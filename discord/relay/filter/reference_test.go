package filter

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// This file is the reference evaluator of the differential test: a direct,
// unoptimised reading of the language as the package documentation states
// it, over criteria and dispatches decoded by encoding/json. It shares no
// code with the scanner, the compiler or the raw-value evaluator.

type refVal struct {
	v       any
	missing bool
}

func refMatch(criteria map[string]any, doc any) bool {
	return refQuery(criteria, []refVal{{v: doc}})
}

func refIsOp(k string) bool { return strings.HasPrefix(k, "$") }

func refQuery(q any, set []refVal) bool {
	m, ok := q.(map[string]any)
	if !ok {
		return refAnyEqual(q, set)
	}
	for k, sub := range m {
		if refIsOp(k) {
			if !refOp(k, sub, m, set) {
				return false
			}
			continue
		}
		var next []refVal
		for _, c := range set {
			if c.missing {
				next = append(next, refVal{missing: true})
				continue
			}
			next = append(next, refResolve(c.v, strings.Split(k, "."))...)
		}
		if !refPathValue(sub, next) {
			return false
		}
	}
	return true
}

func refPathValue(sub any, set []refVal) bool {
	m, ok := sub.(map[string]any)
	hasOp := false
	for k := range m {
		if refIsOp(k) {
			hasOp = true
		}
	}
	if !ok || !hasOp {
		return refAnyEqual(sub, set)
	}
	for k, arg := range m {
		if !refOp(k, arg, m, set) {
			return false
		}
	}
	return true
}

func refLeaf(v any) []refVal {
	var out []refVal
	if a, ok := v.([]any); ok {
		for _, e := range a {
			out = append(out, refLeaf(e)...)
		}
	}
	return append(out, refVal{v: v})
}

func refNumericSegment(seg string) bool {
	if seg == "" {
		return true
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(seg), 64)
	return err == nil
}

func refResolve(v any, segs []string) []refVal {
	if len(segs) == 0 {
		return refLeaf(v)
	}
	seg := segs[0]
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[seg]
		if !ok {
			return []refVal{{missing: true}}
		}
		return refResolve(child, segs[1:])
	case []any:
		if refNumericSegment(seg) {
			idx, err := strconv.Atoi(seg)
			if err != nil || strconv.Itoa(idx) != seg || idx < 0 || idx >= len(x) {
				return []refVal{{missing: true}}
			}
			return refResolve(x[idx], segs[1:])
		}
		var out []refVal
		for _, e := range x {
			out = append(out, refResolve(e, segs)...)
		}
		return out
	default:
		return []refVal{{missing: true}}
	}
}

func refEqual(a any, b refVal) bool {
	if a == nil {
		return b.missing || b.v == nil
	}
	if b.missing {
		return false
	}
	switch x := a.(type) {
	case string, float64, bool:
		return x == b.v
	case []any:
		y, ok := b.v.([]any)
		if !ok || len(y) != len(x) {
			return false
		}
		for i := range x {
			if !refEqual(x[i], refVal{v: y[i]}) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.v.(map[string]any)
		if !ok || len(y) != len(x) {
			return false
		}
		for k, av := range x {
			bv, ok := y[k]
			if !refEqual(av, refVal{v: bv, missing: !ok}) {
				return false
			}
		}
		return true
	}
	return false
}

func refAnyEqual(lit any, set []refVal) bool {
	for _, c := range set {
		if refEqual(lit, c) {
			return true
		}
	}
	return false
}

func refUTF16Compare(a, b string) int {
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

// refCompare orders c against lit; ok is false when they are not comparable.
func refCompare(lit any, c refVal) (int, bool) {
	if lit == nil {
		return 0, c.missing || c.v == nil
	}
	if c.missing {
		return 0, false
	}
	switch l := lit.(type) {
	case float64:
		f, ok := c.v.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case f < l:
			return -1, true
		case f > l:
			return 1, true
		}
		return 0, true
	case string:
		s, ok := c.v.(string)
		if !ok {
			return 0, false
		}
		return refUTF16Compare(s, l), true
	case bool:
		b, ok := c.v.(bool)
		if !ok {
			return 0, false
		}
		bi, li := 0, 0
		if b {
			bi = 1
		}
		if l {
			li = 1
		}
		return bi - li, true
	}
	return 0, false
}

func refTypeName(c refVal) string {
	if c.missing {
		return ""
	}
	switch c.v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

func refOp(name string, arg any, siblings map[string]any, set []refVal) bool {
	exists := func(f func(refVal) bool) bool {
		for _, c := range set {
			if f(c) {
				return true
			}
		}
		return false
	}
	switch name {
	case "$eq":
		return refAnyEqual(arg, set)
	case "$ne":
		return !refAnyEqual(arg, set)
	case "$gt", "$gte", "$lt", "$lte":
		return exists(func(c refVal) bool {
			cmp, ok := refCompare(arg, c)
			if !ok {
				return false
			}
			switch name {
			case "$gt":
				return cmp > 0
			case "$gte":
				return cmp >= 0
			case "$lt":
				return cmp < 0
			}
			return cmp <= 0
		})
	case "$in", "$nin":
		in := false
		for _, x := range arg.([]any) {
			if refAnyEqual(x, set) {
				in = true
			}
		}
		return in == (name == "$in")
	case "$exists":
		return exists(func(c refVal) bool { return !c.missing }) == arg.(bool)
	case "$type":
		want := arg.(string)
		if want == "boolean" {
			want = "bool"
		}
		return exists(func(c refVal) bool { return refTypeName(c) == want })
	case "$regex":
		p := arg.(string)
		if o, ok := siblings["$options"].(string); ok && o != "" {
			p = "(?" + o + ")" + p
		}
		re := regexp.MustCompile(p)
		return exists(func(c refVal) bool {
			s, ok := c.v.(string)
			return ok && !c.missing && re.MatchString(s)
		})
	case "$options":
		return true
	case "$size":
		return exists(func(c refVal) bool {
			a, ok := c.v.([]any)
			return ok && float64(len(a)) == arg.(float64)
		})
	case "$mod":
		p := arg.([]any)
		return exists(func(c refVal) bool {
			f, ok := c.v.(float64)
			return ok && math.Mod(f, p[0].(float64)) == p[1].(float64)
		})
	case "$elemMatch":
		return exists(func(c refVal) bool {
			a, ok := c.v.([]any)
			if !ok {
				return false
			}
			for _, e := range a {
				if refQuery(arg, refLeaf(e)) {
					return true
				}
			}
			return false
		})
	case "$all":
		list := arg.([]any)
		if len(list) == 0 {
			return false
		}
		for _, q := range list {
			if !refQuery(q, set) {
				return false
			}
		}
		return true
	case "$not":
		return !refQuery(arg, set)
	case "$and", "$or", "$nor":
		some, all := false, true
		for _, q := range arg.([]any) {
			if refQuery(q, set) {
				some = true
			} else {
				all = false
			}
		}
		switch name {
		case "$and":
			return all
		case "$or":
			return some
		}
		return !some
	}
	panic("reference: unknown operator " + name)
}
