package filter

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"
)

// BenchmarkWorstAcceptedFilter measures the costliest filters Compile
// accepts on the dispatches that cost them the most: the time per dispatch
// is the bound MaxMatchSteps puts on one tenant's filter (issue 15 item 3).
//
//   - Regexes64: 64 (.*a){n}$ regexes filling MaxRegexProgram, on 4 KB of
//     content that none matches (the measured attack, 12 s per dispatch
//     before the budget): stops at the budget with ErrOverBudget.
//   - OneRegexAtBudget: one (.*a){100}$ on content just short enough to fit
//     the budget, so it runs to the end: the most regex work a dispatch can
//     buy.
//   - Operators256: 127 $elemMatch (256 operators) over 200 mentions, no
//     regex.
func BenchmarkWorstAcceptedFilter(b *testing.B) {
	one := `(.*a){100}$`
	re, err := syntax.Parse(one, syntax.Perl)
	if err != nil {
		b.Fatal(err)
	}
	fit := MaxMatchSteps/regexProgramSize(re) - 64 // room for the other conditions
	cases := []struct {
		name     string
		criteria []byte
		dispatch []byte
	}{
		{"Regexes64", worstRegexCriteria(), contentDispatch(strings.Repeat("a", 4000) + "b")},
		{"OneRegexAtBudget", []byte(`{"t":"MESSAGE_CREATE","d.content":{"$regex":"` + one + `"}}`), contentDispatch(strings.Repeat("a", fit-3) + "b")},
		{"Operators256", manyElemMatch(127), mentionsDispatch(200)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			f, err := Compile(tc.criteria)
			if err != nil {
				b.Fatal(err)
			}
			_, err = f.Match(tc.dispatch)
			if err != nil && !errors.Is(err, ErrOverBudget) {
				b.Fatal(err)
			}
			steps := stepsUsed(f, tc.dispatch)
			b.SetBytes(int64(len(tc.dispatch)))
			cpu := processCPU()
			for b.Loop() {
				f.Match(tc.dispatch)
			}
			reportCPU(b, processCPU()-cpu, "dispatches")
			b.ReportMetric(float64(steps), "steps")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(steps), "ns/step")
		})
	}
}

// manyElemMatch is criteria with n $elemMatch over d.mentions in one $or,
// none of which matches.
func manyElemMatch(n int) []byte {
	var s strings.Builder
	s.WriteString(`{"t":"MESSAGE_CREATE","$or":[`)
	for i := range n {
		if i > 0 {
			s.WriteString(",")
		}
		fmt.Fprintf(&s, `{"d.mentions":{"$elemMatch":{"id":"x%d"}}}`, i)
	}
	s.WriteString("]}")
	return []byte(s.String())
}

// mentionsDispatch is a MESSAGE_CREATE mentioning n users.
func mentionsDispatch(n int) []byte {
	var s strings.Builder
	s.WriteString(`{"op":0,"s":1,"t":"MESSAGE_CREATE","d":{"content":"hi","mentions":[`)
	for i := range n {
		if i > 0 {
			s.WriteString(",")
		}
		fmt.Fprintf(&s, `{"id":"%d","username":"user%d","global_name":"User %d","avatar":null,"discriminator":"0","public_flags":0}`, 271938371117187072+i, i, i)
	}
	s.WriteString("]}}")
	return []byte(s.String())
}
