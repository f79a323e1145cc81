package attachments

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// StrictEquivalent is the default [Equivalence]: the two Statements must be
// equal as JSON values, except for the properties the LRS may set or that
// are not part of a Statement (Data 2.3.1.b1, b6): id, authority, stored,
// version and attachments are ignored, and timestamp is ignored when
// either Statement lacks it. Numbers compare by value (1, 1.0 and 1e0 are
// equal). It is stricter than the Statement Comparison Requirements (case,
// Activity definitions, Verb display, Group member order and timestamp
// representation all count), so the LRS passes xapi.Equivalent instead.
func StrictEquivalent(signed, received any) bool {
	a, okA := signed.(map[string]any)
	b, okB := received.(map[string]any)
	if !okA || !okB {
		return false
	}
	return reflect.DeepEqual(canonical(withoutLRSProperties(a, b)), canonical(withoutLRSProperties(b, a)))
}

// withoutLRSProperties copies st without the properties StrictEquivalent
// ignores; other is the Statement it is compared with.
func withoutLRSProperties(st, other map[string]any) map[string]any {
	out := make(map[string]any, len(st))
	for k, v := range st {
		switch k {
		case "id", "authority", "stored", "version", "attachments":
			continue
		case "timestamp":
			if _, ok := other["timestamp"]; !ok {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// canonical rewrites numbers to exact rationals so that equal values
// written differently compare equal.
func canonical(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = canonical(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = canonical(e)
		}
		return out
	case json.Number:
		return canonicalNumber(string(v))
	case float64:
		return canonicalNumber(strconv.FormatFloat(v, 'e', -1, 64))
	}
	return v
}

// canonicalNumber writes a JSON number as sign, significant digits and
// exponent ("-12e-1" for -1.20), in time linear in its length.
func canonicalNumber(s string) number {
	raw := number(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(strings.TrimPrefix(s[i+1:], "+"), 10, 64)
		if err != nil {
			return raw
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= int64(len(frac))
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	if trimmed == "" {
		return "0"
	}
	if neg {
		trimmed = "-" + trimmed
	}
	return number(trimmed + "e" + strconv.FormatInt(exp, 10))
}

// number is a canonical number, kept apart from strings.
type number string
