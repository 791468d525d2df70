package filter

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
)

// This file bounds what one filter may cost: at registration (Compile), caps
// on its operators, its $regex operators and the size of their programs; at
// every dispatch (Match, MatchTrusted), a deterministic step budget.

// Limits on the cost of a filter.
const (
	// MaxOperators is the most operators criteria may hold: every $ key
	// except $options, and every implicit equality (a path holding a
	// literal, a literal in $all or $not).
	MaxOperators = 256
	// MaxRegexes is the most $regex operators criteria may hold.
	MaxRegexes = 64
	// MaxRegexProgram bounds the total program size of the $regex patterns
	// of one filter, in the units of regexProgramSize (about one RE2
	// instruction each). Matching one regex costs at most its program size
	// per byte of the string it reads.
	MaxRegexProgram = 1024
	// MaxMatchSteps is the work one dispatch may cost a filter, in steps:
	// one per condition evaluated and per value it tests, one per byte a
	// nested query ($elemMatch, $all, $not) reads again, and, for a $regex,
	// its program size per byte of each string it is run on (charged before
	// the regex runs). A dispatch that would exceed it does not match, and
	// Match reports ErrOverBudget.
	MaxMatchSteps = 1 << 19
)

// ErrOverBudget is wrapped by the error Match and MatchTrusted return when a
// dispatch would cost the filter more than MaxMatchSteps; the dispatch does
// not match. It is a property of the filter and that dispatch, not an
// invalid dispatch: the same pair always gives the same answer.
var ErrOverBudget = errors.New("filter too costly for this dispatch")

// budgetError is the error for criteria over one of the limits above.
func budgetError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidCriteria, fmt.Sprintf(format, args...))
}

// costTally counts what criteria hold before anything is compiled, so that
// a filter over a limit is refused with the real totals and without paying
// for compiling its regexes.
type costTally struct {
	operators int
	regexes   int
	program   int    // total regexProgramSize of the patterns that parse
	largest   int    // the largest single program
	largestAt string // where it is
}

// checkCost refuses criteria over MaxOperators, MaxRegexes or
// MaxRegexProgram, naming the totals.
func checkCost(criteria map[string]any) error {
	var t costTally
	t.doc(criteria, "")
	switch {
	case t.regexes > MaxRegexes:
		return budgetError("criteria has %s $regex operators; at most %d are allowed", grouped(t.regexes), MaxRegexes)
	case t.operators > MaxOperators:
		return budgetError("criteria has %s operators; at most %d are allowed", grouped(t.operators), MaxOperators)
	case t.program > MaxRegexProgram:
		return budgetError("the $regex patterns of the criteria have a total program size of %s; at most %s is allowed "+
			"(the largest, at %s, has %s; large repetitions such as {100} and big classes such as \\p{L} cost the most)",
			grouped(t.program), grouped(MaxRegexProgram), t.largestAt, grouped(t.largest))
	}
	return nil
}

// doc tallies a query document (or a literal, one implicit equality).
func (t *costTally) doc(v any, loc string) {
	m, ok := v.(map[string]any)
	if !ok {
		t.operators++
		return
	}
	for k, sub := range m {
		if isOperatorKey(k) {
			t.op(k, sub, m, joinLoc(loc, k))
			continue
		}
		t.pathValue(sub, joinLoc(loc, strconv.Quote(k)))
	}
}

// pathValue tallies the value of a path key.
func (t *costTally) pathValue(v any, loc string) {
	m, ok := v.(map[string]any)
	if !ok || !hasOperatorKey(m) {
		t.operators++
		return
	}
	for k, sub := range m {
		if isOperatorKey(k) {
			t.op(k, sub, m, joinLoc(loc, k))
		}
	}
}

// op tallies one operator and what it nests.
func (t *costTally) op(name string, arg any, siblings map[string]any, loc string) {
	if name == "$options" {
		return
	}
	t.operators++
	switch name {
	case "$regex":
		t.regexes++
		p, ok := arg.(string)
		if !ok || len(p) > MaxRegexBytes || t.regexes > MaxRegexes {
			return // refused anyway: with its own reason, or for the count
		}
		o, _ := siblings["$options"].(string)
		re, err := parseRegex(p, o)
		if err != nil {
			return
		}
		n := regexProgramSize(re)
		t.program = saturatingAdd(t.program, n)
		if n > t.largest {
			t.largest, t.largestAt = n, loc
		}
	case "$elemMatch", "$not":
		t.doc(arg, loc)
	case "$all", "$and", "$or", "$nor":
		if list, ok := arg.([]any); ok {
			for i, v := range list {
				t.doc(v, fmt.Sprintf("%s[%d]", loc, i))
			}
		}
	}
}

// regexFlags returns the inline flags for $options (only i, m and s; others
// are refused by compileRegex).
func regexFlags(options string) string {
	flags := ""
	for _, f := range options {
		if strings.ContainsRune("ims", f) && !strings.ContainsRune(flags, f) {
			flags += string(f)
		}
	}
	return flags
}

// parseRegex parses a $regex pattern with its $options as regexp.Compile
// would.
func parseRegex(pattern, options string) (*syntax.Regexp, error) {
	if flags := regexFlags(options); flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	return syntax.Parse(pattern, syntax.Perl)
}

// maxProgramSize saturates regexProgramSize, far above any limit.
const maxProgramSize = 1 << 30

// regexProgramSize estimates the size of the RE2 program of a parsed
// pattern without compiling it: one unit per instruction the compiler
// emits (repetitions x{n,m} expanded, as the compiler does) and, for a
// character class, one more per 16 range bounds, for the memory its ranges
// take and the time a match spends searching them. It is an upper bound of
// len(syntax.Prog.Inst) for the simplified pattern (a test checks it) and
// grows with what the pattern costs: the engine steps through at most every
// instruction per byte of input.
func regexProgramSize(re *syntax.Regexp) int {
	return saturatingAdd(2, nodeProgramSize(re)) // the program's match and fail instructions
}

// nodeProgramSize is regexProgramSize for one node of the pattern.
func nodeProgramSize(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return max(1, len(re.Rune))
	case syntax.OpCharClass:
		return 1 + len(re.Rune)/16
	case syntax.OpCapture:
		return saturatingAdd(nodeProgramSize(re.Sub[0]), 2)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		return saturatingAdd(nodeProgramSize(re.Sub[0]), 1)
	case syntax.OpRepeat:
		copies := re.Max
		if copies < 0 {
			copies = re.Min + 1
		}
		return saturatingMul(max(1, copies), saturatingAdd(nodeProgramSize(re.Sub[0]), 1))
	case syntax.OpConcat, syntax.OpAlternate:
		n := len(re.Sub)
		for _, s := range re.Sub {
			n = saturatingAdd(n, nodeProgramSize(s))
		}
		return n
	default: // empty match, any char, anchors, word boundaries
		return 1
	}
}

func saturatingAdd(a, b int) int { return min(a+b, maxProgramSize) }

func saturatingMul(a, b int) int {
	if a != 0 && b > maxProgramSize/a {
		return maxProgramSize
	}
	return min(a*b, maxProgramSize)
}

// grouped formats n with thousands separators: 1579 → "1,579".
func grouped(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + grouped(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// charge takes n steps from the dispatch's budget and reports whether the
// budget still holds; once exhausted, it stays exhausted and every
// condition after it fails, and match reports ErrOverBudget.
func (ev *evaluator) charge(n int) bool {
	ev.left -= n
	if ev.left < 0 {
		ev.over = true
		return false
	}
	return true
}

// overBudget returns the error for a dispatch that ran out of steps, or nil.
func (ev *evaluator) overBudget() error {
	if !ev.over {
		return nil
	}
	return fmt.Errorf("%w (more than %s steps)", ErrOverBudget, grouped(MaxMatchSteps))
}
