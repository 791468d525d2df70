package moderation

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// ParseRules parses and validates a rules file (TOML, see docs/moderation.md)
// that the caller has read; filename names it in errors and warnings.
// Decoding is strict: unknown keys, wrong types, unknown actions, empty
// terms, duplicate ruleset names, zero thresholds and bad windows are
// refused with a *RulesError naming the file, the ruleset and the reason.
// Problems that do not stop loading (a suspend ruleset with every threshold
// at 1, a term listed twice) come back as warnings.
func ParseRules(filename string, data []byte) (*Rules, []Warning, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		reason := err.Error()
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			reason = fmt.Sprintf("line %d, column %d: %s", row, col, de.Error())
		}
		return nil, nil, &RulesError{File: filename, Reason: "bad TOML: " + reason, Err: err}
	}
	for k := range doc {
		if k != "rulesets" {
			return nil, nil, &RulesError{File: filename, Reason: fmt.Sprintf("unknown key %q (only [[rulesets]] tables are allowed)", k)}
		}
	}
	var list []any
	if v, ok := doc["rulesets"]; ok {
		l, ok := v.([]any)
		if !ok {
			return nil, nil, &RulesError{File: filename, Reason: "rulesets must be written as [[rulesets]] tables"}
		}
		list = l
	}
	rulesets := make([]Ruleset, 0, len(list))
	for i, item := range list {
		rs, err := decodeRuleset(item)
		if err != nil {
			return nil, nil, &RulesError{File: filename, Index: i + 1, Ruleset: rs.Name, Reason: err.Error()}
		}
		rulesets = append(rulesets, rs)
	}
	return NewRules(filename, rulesets)
}

// decodeRuleset reads one [[rulesets]] table. On error, the returned
// Ruleset carries the name when it could be read.
func decodeRuleset(item any) (Ruleset, error) {
	var rs Ruleset
	t, ok := item.(map[string]any)
	if !ok {
		return rs, errors.New("not a table")
	}
	if v, ok := t["name"]; ok {
		s, ok := v.(string)
		if !ok {
			return rs, fmt.Errorf("name must be a string, not %s", tomlType(v))
		}
		rs.Name = s
	}
	var limited []Keyword // [[rulesets.keyword]] tables, listed after keywords
	for _, k := range sortedKeys(t) {
		v := t[k]
		var err error
		switch k {
		case "name":
		case "action":
			var s string
			if s, err = asString(k, v); err == nil {
				rs.Action, err = ParseAction(s)
			}
		case "only_if_not_sensitive":
			b, ok := v.(bool)
			if !ok {
				err = fmt.Errorf("only_if_not_sensitive must be true or false, not %s", tomlType(v))
			}
			rs.OnlyIfNotSensitive = b
		case "window":
			var s string
			if s, err = asString(k, v); err == nil {
				rs.Window, err = parseWindow(s)
			}
		case "thresholds":
			rs.Thresholds, err = decodeThresholds(v)
		case "hashtags":
			rs.Hashtags, err = asStrings(k, v)
		case "keywords":
			var terms []string
			if terms, err = asStrings(k, v); err == nil {
				for _, term := range terms {
					rs.Keywords = append(rs.Keywords, Keyword{Term: term})
				}
			}
		case "keyword":
			limited, err = decodeKeywordTables(v)
		default:
			err = fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return rs, err
		}
	}
	rs.Keywords = append(rs.Keywords, limited...)
	if _, ok := t["action"]; !ok {
		return rs, errors.New("missing action (none, notify, sensitive, silence or suspend)")
	}
	for _, k := range []string{"keywords", "hashtags"} {
		if l, ok := t[k].([]any); ok {
			for _, x := range l {
				if s, _ := x.(string); strings.TrimSpace(s) == "" {
					return rs, fmt.Errorf("empty term in %s", k)
				}
			}
		}
	}
	return rs, nil
}

// decodeThresholds reads the thresholds table; absent counts are 1.
func decodeThresholds(v any) (Thresholds, error) {
	th := Thresholds{Posts: 1, Hits: 1, Distinct: 1}
	t, ok := v.(map[string]any)
	if !ok {
		return th, fmt.Errorf("thresholds must be a table like { posts = 1, hits = 1, distinct = 1 }, not %s", tomlType(v))
	}
	for _, k := range sortedKeys(t) {
		var dst *int
		switch k {
		case "posts":
			dst = &th.Posts
		case "hits":
			dst = &th.Hits
		case "distinct":
			dst = &th.Distinct
		default:
			return th, fmt.Errorf("unknown key %q in thresholds (want posts, hits, distinct)", k)
		}
		n, ok := t[k].(int64)
		if !ok {
			return th, fmt.Errorf("thresholds.%s must be an integer, not %s", k, tomlType(t[k]))
		}
		if n < 1 || n > 1<<31-1 {
			return th, fmt.Errorf("thresholds.%s must be at least 1, not %d", k, n)
		}
		*dst = int(n)
	}
	return th, nil
}

// decodeKeywordTables reads the [[rulesets.keyword]] tables.
func decodeKeywordTables(v any) ([]Keyword, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("keyword must be written as [[rulesets.keyword]] tables, not %s", tomlType(v))
	}
	var out []Keyword
	for i, item := range list {
		t, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("keyword %d: not a table", i+1)
		}
		var k Keyword
		for _, key := range sortedKeys(t) {
			var err error
			switch key {
			case "term":
				k.Term, err = asString(key, t[key])
			case "languages":
				k.Languages, err = asStrings(key, t[key])
			default:
				err = fmt.Errorf("unknown key %q (want term, languages)", key)
			}
			if err != nil {
				return nil, fmt.Errorf("keyword %d: %w", i+1, err)
			}
		}
		if strings.TrimSpace(k.Term) == "" {
			return nil, fmt.Errorf("keyword %d: empty term", i+1)
		}
		for _, l := range k.Languages {
			if _, ok := primarySubtag(l); !ok {
				return nil, fmt.Errorf("keyword %d (%q): bad language %q", i+1, k.Term, l)
			}
		}
		out = append(out, k)
	}
	return out, nil
}

// parseWindow reads a Go duration ("720h", "90m") or a number of days,
// alone or followed by a Go duration ("30d", "1d12h").
func parseWindow(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	var d time.Duration
	rest := in
	if i := strings.IndexByte(in, 'd'); i >= 0 {
		days, err := strconv.Atoi(in[:i])
		if err != nil || days < 0 || days > 36500 {
			return 0, fmt.Errorf("bad window %q: want a duration like \"720h\" or \"30d\"", s)
		}
		d = time.Duration(days) * 24 * time.Hour
		rest = in[i+1:]
	}
	if rest != "" {
		x, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("bad window %q: want a duration like \"720h\" or \"30d\"", s)
		}
		d += x
	}
	if d <= 0 {
		return 0, fmt.Errorf("bad window %q: must be positive", s)
	}
	return d, nil
}

// asString returns v as a string.
func asString(key string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string, not %s", key, tomlType(v))
	}
	return s, nil
}

// asStrings returns v as a list of strings.
func asStrings(key string, v any) ([]string, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a list of strings, not %s", key, tomlType(v))
	}
	out := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%s[%d] must be a string, not %s", key, i, tomlType(x))
		}
		out[i] = s
	}
	return out, nil
}

// sortedKeys returns the keys of t in order (deterministic errors, language
// maps read in a stable order).
func sortedKeys(t map[string]any) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tomlType names the TOML type of a decoded value for error messages.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case nil:
		return "nothing"
	default:
		return "a date or time"
	}
}
