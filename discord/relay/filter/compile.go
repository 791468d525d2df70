package filter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Limits on criteria.
const (
	// MaxCriteriaBytes is the largest criteria document Compile accepts.
	MaxCriteriaBytes = 64 << 10
	// MaxCriteriaDepth is the deepest nesting of JSON objects and arrays
	// Compile accepts in criteria.
	MaxCriteriaDepth = 32
	// MaxRegexBytes is the longest $regex pattern Compile accepts.
	MaxRegexBytes = 512
)

// ErrInvalidCriteria is wrapped by every error Compile returns.
var ErrInvalidCriteria = errors.New("invalid filter criteria")

// opKind names a compiled operator.
type opKind uint8

const (
	opEq opKind = iota
	opNe
	opGt
	opGte
	opLt
	opLte
	opIn
	opNin
	opExists
	opType
	opRegex
	opSize
	opMod
	opElemMatch
	opAll
	opNot
	opAnd
	opOr
	opNor
)

// cond is one compiled operator applied to one candidate set.
type cond struct {
	op     opKind
	path   int // slot in the query's scope, or -1 for the query's own candidate set
	lit    literal
	lits   []literal
	re     *regexp.Regexp
	reCost int // $regex: steps per byte matched (regexProgramSize)
	types  kindSet
	size   int
	mod    [2]float64
	exists bool
	sub    *query   // $not, $elemMatch
	subs   []*query // $all
	groups [][]cond // $and, $or, $nor: condition lists over the same scope
}

// query is a compiled query document, or a literal compared for equality.
type query struct {
	scope *scope // nil when it reads no path
	conds []cond
}

// kindSet is a set of kinds, for $type.
type kindSet uint8

func (s kindSet) has(k kind) bool { return s&(1<<k) != 0 }

// typeAliases maps $type names to the JSON kinds they select. sift 17
// (src/operations.ts, typeAliases) knows number, string, bool, array, null
// and timestamp; boolean and object are added here because JSON has them,
// timestamp is refused because JSON has no dates.
var typeAliases = map[string]kindSet{
	"number":  1 << kindNumber,
	"string":  1 << kindString,
	"bool":    1 << kindBool,
	"boolean": 1 << kindBool,
	"array":   1 << kindArray,
	"object":  1 << kindObject,
	"null":    1 << kindNull,
}

// compiler turns decoded criteria into queries.
type compiler struct{}

func criteriaError(loc, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if loc == "" {
		return fmt.Errorf("%w: %s", ErrInvalidCriteria, msg)
	}
	return fmt.Errorf("%w: at %s: %s", ErrInvalidCriteria, loc, msg)
}

// parseCriteria decodes criteria JSON into map[string]any, []any, float64,
// string, bool and nil, enforcing the size and depth limits.
func parseCriteria(criteria []byte) (map[string]any, error) {
	if len(criteria) > MaxCriteriaBytes {
		return nil, criteriaError("", "criteria larger than %d bytes", MaxCriteriaBytes)
	}
	if !json.Valid(criteria) {
		return nil, criteriaError("", "not valid JSON: %v", json.Unmarshal(criteria, new(any)))
	}
	if err := checkDepth(criteria); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(criteria))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, criteriaError("", "not valid JSON: %v", err)
	}
	v, err := convertNumbers(v)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, criteriaError("", "criteria must be a JSON object")
	}
	return m, nil
}

// checkDepth rejects valid JSON nested deeper than MaxCriteriaDepth.
func checkDepth(b []byte) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			end, _, err := scanString(b, i)
			if err != nil {
				return criteriaError("", "not valid JSON: %v", err)
			}
			i = end - 1
		case '{', '[':
			depth++
			if depth > MaxCriteriaDepth {
				return criteriaError("", "nested deeper than %d levels", MaxCriteriaDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

func convertNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, criteriaError("", "number %s out of range", x)
		}
		return f, nil
	case []any:
		for i := range x {
			c, err := convertNumbers(x[i])
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
	case map[string]any:
		for k := range x {
			c, err := convertNumbers(x[k])
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
	}
	return v, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isOperatorKey(k string) bool { return strings.HasPrefix(k, "$") }

func hasOperatorKey(m map[string]any) bool {
	for k := range m {
		if isOperatorKey(k) {
			return true
		}
	}
	return false
}

func joinLoc(loc, next string) string {
	if loc == "" {
		return next
	}
	return loc + "." + next
}

// compileQuery compiles a query value: an object is a query document (its
// operators apply to the candidate set, its other keys are dotted paths into
// each candidate); anything else is a literal compared for equality.
func (c *compiler) compileQuery(v any, loc string) (*query, error) {
	sc := newScope()
	conds, err := c.compileDoc(v, sc, loc)
	if err != nil {
		return nil, err
	}
	q := &query{conds: conds}
	if len(sc.paths) > 0 {
		sc.finish()
		markWalkOnly(sc.root, walkOnlySlots(conds))
		q.scope = sc
	}
	return q, nil
}

// compileDoc compiles a query value into conditions over scope sc.
func (c *compiler) compileDoc(v any, sc *scope, loc string) ([]cond, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return []cond{{op: opEq, path: -1, lit: newLiteral(v)}}, nil
	}
	var conds []cond
	for _, k := range sortedKeys(m) {
		if isOperatorKey(k) {
			cd, skip, err := c.compileOp(k, m[k], m, -1, sc, joinLoc(loc, k), true)
			if err != nil {
				return nil, err
			}
			if !skip {
				conds = append(conds, cd)
			}
			continue
		}
		slot, err := sc.slotFor(k)
		if err != nil {
			return nil, criteriaError(joinLoc(loc, strconv.Quote(k)), "%v", err)
		}
		pc, err := c.compilePathValue(m[k], slot, sc, joinLoc(loc, strconv.Quote(k)))
		if err != nil {
			return nil, err
		}
		conds = append(conds, pc...)
	}
	return conds, nil
}

// compilePathValue compiles the value of a path key: an object holding
// operators, or a literal compared for equality.
func (c *compiler) compilePathValue(v any, slot int, sc *scope, loc string) ([]cond, error) {
	m, ok := v.(map[string]any)
	if !ok || !hasOperatorKey(m) {
		return []cond{{op: opEq, path: slot, lit: newLiteral(v)}}, nil
	}
	var conds []cond
	for _, k := range sortedKeys(m) {
		if !isOperatorKey(k) {
			return nil, criteriaError(loc, "mixes operators with the field %q; write an exact object without operators, or operators only", k)
		}
		cd, skip, err := c.compileOp(k, m[k], m, slot, sc, joinLoc(loc, k), false)
		if err != nil {
			return nil, err
		}
		if !skip {
			conds = append(conds, cd)
		}
	}
	return conds, nil
}

// compileOp compiles the operator name with argument arg; siblings is the
// object holding it ($regex reads $options there). skip is true for
// $options, which $regex consumes.
func (c *compiler) compileOp(name string, arg any, siblings map[string]any, slot int, sc *scope, loc string, docLevel bool) (cond, bool, error) {
	cd := cond{path: slot}
	switch name {
	case "$eq", "$ne":
		cd.op = opEq
		if name == "$ne" {
			cd.op = opNe
		}
		cd.lit = newLiteral(arg)
	case "$gt", "$gte", "$lt", "$lte":
		cd.op = map[string]opKind{"$gt": opGt, "$gte": opGte, "$lt": opLt, "$lte": opLte}[name]
		switch arg.(type) {
		case float64, string, bool, nil:
		default:
			return cd, false, criteriaError(loc, "needs a number, string, boolean or null")
		}
		cd.lit = newLiteral(arg)
	case "$in", "$nin":
		cd.op = opIn
		if name == "$nin" {
			cd.op = opNin
		}
		list, ok := arg.([]any)
		if !ok {
			return cd, false, criteriaError(loc, "needs an array")
		}
		for _, v := range list {
			if m, ok := v.(map[string]any); ok && hasOperatorKey(m) {
				return cd, false, criteriaError(loc, "operators cannot be nested in %s", name)
			}
			cd.lits = append(cd.lits, newLiteral(v))
		}
	case "$exists":
		b, ok := arg.(bool)
		if !ok {
			return cd, false, criteriaError(loc, "needs true or false")
		}
		cd.op, cd.exists = opExists, b
	case "$type":
		s, ok := arg.(string)
		if !ok {
			return cd, false, criteriaError(loc, "needs a type name (string, number, bool, boolean, object, array or null)")
		}
		ks, ok := typeAliases[s]
		if !ok {
			return cd, false, criteriaError(loc, "unknown type %q (want string, number, bool, boolean, object, array or null)", s)
		}
		cd.op, cd.types = opType, ks
	case "$regex":
		re, cost, err := compileRegex(arg, siblings["$options"], loc)
		if err != nil {
			return cd, false, err
		}
		cd.op, cd.re, cd.reCost = opRegex, re, cost
	case "$options":
		if _, ok := siblings["$regex"]; !ok {
			return cd, false, criteriaError(loc, "$options needs a $regex beside it")
		}
		return cd, true, nil
	case "$size":
		f, ok := arg.(float64)
		if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			return cd, false, criteriaError(loc, "needs a non-negative integer")
		}
		cd.op, cd.size = opSize, int(f)
	case "$mod":
		list, ok := arg.([]any)
		if !ok || len(list) != 2 {
			return cd, false, criteriaError(loc, "needs [divisor, remainder]")
		}
		d, ok1 := list[0].(float64)
		r, ok2 := list[1].(float64)
		if !ok1 || !ok2 {
			return cd, false, criteriaError(loc, "needs [divisor, remainder] as numbers")
		}
		if d == 0 {
			return cd, false, criteriaError(loc, "divisor must not be zero")
		}
		cd.op, cd.mod = opMod, [2]float64{d, r}
	case "$elemMatch":
		if _, ok := arg.(map[string]any); !ok {
			return cd, false, criteriaError(loc, "needs a query object")
		}
		q, err := c.compileQuery(arg, loc)
		if err != nil {
			return cd, false, err
		}
		cd.op, cd.sub = opElemMatch, q
	case "$not":
		q, err := c.compileQuery(arg, loc)
		if err != nil {
			return cd, false, err
		}
		cd.op, cd.sub = opNot, q
	case "$all":
		list, ok := arg.([]any)
		if !ok {
			return cd, false, criteriaError(loc, "needs an array")
		}
		cd.op = opAll
		for i, v := range list {
			q, err := c.compileQuery(v, fmt.Sprintf("%s[%d]", loc, i))
			if err != nil {
				return cd, false, err
			}
			cd.subs = append(cd.subs, q)
		}
	case "$and", "$or", "$nor":
		if !docLevel {
			return cd, false, criteriaError(loc, "%s cannot be applied to a field; use it at the top of a query document", name)
		}
		cd.op = map[string]opKind{"$and": opAnd, "$or": opOr, "$nor": opNor}[name]
		list, ok := arg.([]any)
		if !ok || len(list) == 0 {
			return cd, false, criteriaError(loc, "needs a non-empty array of query objects")
		}
		for i, v := range list {
			if _, ok := v.(map[string]any); !ok {
				return cd, false, criteriaError(fmt.Sprintf("%s[%d]", loc, i), "needs a query object")
			}
			g, err := c.compileDoc(v, sc, fmt.Sprintf("%s[%d]", loc, i))
			if err != nil {
				return cd, false, err
			}
			cd.groups = append(cd.groups, g)
		}
	case "$where":
		return cd, false, criteriaError(loc, "$where is not supported: criteria never run code")
	default:
		return cd, false, criteriaError(loc, "unknown operator %s", name)
	}
	return cd, false, nil
}

// compileRegex compiles a $regex pattern with its $options as Go RE2 and
// returns its cost per byte matched (regexProgramSize).
func compileRegex(pattern, options any, loc string) (*regexp.Regexp, int, error) {
	p, ok := pattern.(string)
	if !ok {
		return nil, 0, criteriaError(loc, "needs a pattern string")
	}
	if len(p) > MaxRegexBytes {
		return nil, 0, criteriaError(loc, "pattern longer than %d bytes", MaxRegexBytes)
	}
	o := ""
	if options != nil {
		if o, ok = options.(string); !ok {
			return nil, 0, criteriaError(loc, "$options needs a string")
		}
		for _, f := range o {
			if !strings.ContainsRune("ims", f) {
				return nil, 0, criteriaError(loc, "unsupported $options flag %q (only i, m and s)", f)
			}
		}
	}
	parsed, err := parseRegex(p, o)
	if err != nil {
		return nil, 0, criteriaError(loc, "bad pattern: %v", err)
	}
	cost := regexProgramSize(parsed)
	if cost > MaxRegexProgram { // checkCost refuses it first; kept as a guard
		return nil, 0, criteriaError(loc, "pattern program size %s; at most %s is allowed", grouped(cost), grouped(MaxRegexProgram))
	}
	if flags := regexFlags(o); flags != "" {
		p = "(?" + flags + ")" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, 0, criteriaError(loc, "bad pattern: %v", err)
	}
	return re, cost, nil
}

// walkOnlySlots returns the slots whose every condition (in the $and, $or
// and $nor groups too) is an $elemMatch over a query that reads paths only,
// never its candidates themselves. Such a slot's candidates are read only by
// walking them (evaluator.forEachElement and nested extractions, which check
// every position they use), and the values compared inside are validated
// there, so MatchTrusted may jump over them like unread values.
func walkOnlySlots(conds []cond) uint64 {
	var used, other uint64
	var visit func(cs []cond)
	visit = func(cs []cond) {
		for i := range cs {
			c := &cs[i]
			switch c.op {
			case opAnd, opOr, opNor:
				for _, g := range c.groups {
					visit(g)
				}
				continue
			}
			if c.path < 0 {
				continue
			}
			bit := uint64(1) << uint(c.path)
			used |= bit
			if c.op != opElemMatch || c.sub.scope == nil || readsSelf(c.sub.conds) {
				other |= bit
			}
		}
	}
	visit(conds)
	return used &^ other
}
