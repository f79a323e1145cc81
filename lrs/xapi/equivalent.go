package xapi

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/hocvu/hocvu/schemas"
)

// Equivalent reports whether two statements match by the Statement
// Comparison Requirements (Data 2.3.1, "Statement Comparison Requirements";
// IEEE 9274.1.1 keeps them): differences that the exceptions to statement
// immutability could cause are ignored, every other difference counts. It is
// used to accept a re-POST or re-PUT of a stored id (equivalent) or answer
// 409 Conflict (not equivalent), and to check that a signed statement
// matches its JWS payload.
//
// Ignored, following the exceptions of Data 2.3.1:
//   - id, authority, stored and version: assigned by the LRS (2.3.1.b1).
//     Callers compare ids themselves.
//   - timestamp, when either statement lacks it (the LRS fills it in,
//     2.3.1.b1); when both have one, they must name the same instant to the
//     millisecond, whatever their time zone or fraction digits (2.3.1.b4,
//     4.5.s1.b5, 4.5.s1.b7).
//   - the definition of every Activity (2.3.1.b2) and the display of every
//     Verb (2.3.1.b3).
//   - the attachments property (2.3.1.b6; a signature attachment is added
//     after signing, 2.6).
//   - the order of the members of a Group (2.3.1.b5).
//   - case where values are case-insensitive (2.3.1.b7): the domain of an
//     mbox and the "mailto:" scheme, mbox_sha1sum, UUIDs (statement
//     references, registration) and context.language.
//   - an absent objectType where it has a default: Agent for actors,
//     authority, instructor and members; Activity for objects and context
//     activities; and a single context Activity versus an array of one
//     (2.4.6.2.s4.b3).
//   - how numbers are written (1, 1.0 and 1e0 are the same number) and the
//     order of keys, which are JSON serialisation rather than properties.
//   - in result.duration, precision beyond 0.01 seconds (4.6.s1.b5; the
//     duration is otherwise compared as a string, 2.3.1.b8).
//
// Everything else must be equal, including names, extensions, result values,
// context and the SubStatement (whose timestamp, if any, is compared as an
// instant).
func Equivalent(a, b any) bool {
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if !okA || !okB {
		return reflect.DeepEqual(canonValue(a), canonValue(b))
	}
	if !reflect.DeepEqual(canonStatement(ma, false), canonStatement(mb, false)) {
		return false
	}
	ta, hasA := ma["timestamp"]
	tb, hasB := mb["timestamp"]
	if !hasA || !hasB {
		return true
	}
	return reflect.DeepEqual(canonTimestamp(ta), canonTimestamp(tb))
}

// canonNumber is a number in exact canonical form, kept apart from strings.
type canonNumber string

// canonStatement returns the comparable form of a statement or, when sub is
// set, of a SubStatement (which keeps its timestamp).
func canonStatement(st map[string]any, sub bool) map[string]any {
	out := map[string]any{}
	for k, v := range st {
		switch k {
		case "id", "authority", "stored", "version", "attachments":
		case "timestamp":
			if sub {
				out[k] = canonTimestamp(v)
			}
		case "actor":
			out[k] = canonActor(v)
		case "verb":
			out[k] = canonVerb(v)
		case "object":
			out[k] = canonObject(v, sub)
		case "result":
			out[k] = canonResult(v)
		case "context":
			out[k] = canonContext(v)
		default:
			out[k] = canonValue(v)
		}
	}
	return out
}

func canonActor(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonValue(v)
	}
	out := map[string]any{"objectType": "Agent"}
	for k, x := range m {
		switch k {
		case "mbox":
			out[k] = canonMbox(x)
		case "mbox_sha1sum":
			out[k] = lowerString(x)
		case "member":
			out[k] = canonMembers(x)
		default:
			out[k] = canonValue(x)
		}
	}
	return out
}

func canonMembers(v any) any {
	list, ok := v.([]any)
	if !ok {
		return canonValue(v)
	}
	type keyed struct {
		key string
		val any
	}
	items := make([]keyed, len(list))
	for i, m := range list {
		c := canonActor(m)
		b, _ := json.Marshal(c)
		items[i] = keyed{string(b), c}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it.val
	}
	return out
}

func canonMbox(v any) any {
	s, ok := v.(string)
	if !ok {
		return canonValue(v)
	}
	if len(s) >= len("mailto:") && strings.EqualFold(s[:len("mailto:")], "mailto:") {
		s = "mailto:" + s[len("mailto:"):]
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[:at] + strings.ToLower(s[at:])
	}
	return s
}

func canonVerb(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonValue(v)
	}
	out := map[string]any{}
	for k, x := range m {
		if k != "display" {
			out[k] = canonValue(x)
		}
	}
	return out
}

func canonObject(v any, inSub bool) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonValue(v)
	}
	switch m["objectType"] {
	case nil, "Activity":
		return canonActivity(m)
	case "Agent", "Group":
		return canonActor(m)
	case "StatementRef":
		return canonStatementRef(m)
	case "SubStatement":
		if !inSub {
			return canonStatement(m, true)
		}
	}
	return canonValue(m)
}

func canonActivity(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonValue(v)
	}
	out := map[string]any{"objectType": "Activity"}
	for k, x := range m {
		if k != "definition" {
			out[k] = canonValue(x)
		}
	}
	return out
}

func canonStatementRef(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonValue(v)
	}
	out := map[string]any{}
	for k, x := range m {
		if k == "id" {
			out[k] = lowerString(x)
		} else {
			out[k] = canonValue(x)
		}
	}
	return out
}

func canonResult(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonValue(v)
	}
	out := map[string]any{}
	for k, x := range m {
		if k == "duration" {
			if s, ok := x.(string); ok {
				out[k] = truncateDuration(s)
				continue
			}
		}
		out[k] = canonValue(x)
	}
	return out
}

func canonContext(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonValue(v)
	}
	out := map[string]any{}
	for k, x := range m {
		switch k {
		case "registration", "language":
			out[k] = lowerString(x)
		case "instructor", "team":
			out[k] = canonActor(x)
		case "statement":
			out[k] = canonStatementRef(x)
		case "contextActivities":
			out[k] = canonContextActivities(x)
		case "contextAgents", "contextGroups":
			out[k] = canonContextActors(x)
		default:
			out[k] = canonValue(x)
		}
	}
	return out
}

func canonContextActivities(v any) any {
	if _, ok := v.(map[string]any); !ok {
		return canonValue(v)
	}
	return mapContextActivities(v, canonActivity)
}

func canonContextActors(v any) any {
	list, ok := v.([]any)
	if !ok {
		return canonValue(v)
	}
	out := make([]any, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			out[i] = canonValue(item)
			continue
		}
		c := map[string]any{}
		for k, x := range m {
			if k == "agent" || k == "group" {
				c[k] = canonActor(x)
			} else {
				c[k] = canonValue(x)
			}
		}
		out[i] = c
	}
	return out
}

// canonValue canonicalises numbers inside any JSON value.
func canonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonValue(e)
		}
		return out
	case json.Number, float64:
		if r, ok := number(x); ok {
			return canonNumber(r.RatString())
		}
		return x
	default:
		return x
	}
}

func canonTimestamp(v any) any {
	s, ok := v.(string)
	if !ok {
		return canonValue(v)
	}
	t, ok := schemas.ParseTimestamp(s)
	if !ok {
		return s
	}
	return t.Truncate(time.Millisecond).UnixMilli()
}

func lowerString(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return canonValue(v)
}

// truncateDuration drops precision beyond 0.01 seconds from the seconds
// component of an ISO 8601 duration, and trailing zeros of its fraction.
func truncateDuration(d string) string {
	if !strings.HasSuffix(d, "S") {
		return d
	}
	body := d[:len(d)-1]
	start := len(body)
	for start > 0 && (isDigit(body[start-1]) || body[start-1] == '.' || body[start-1] == ',') {
		start--
	}
	secs := strings.ReplaceAll(body[start:], ",", ".")
	whole, frac, _ := strings.Cut(secs, ".")
	if len(frac) > 2 {
		frac = frac[:2]
	}
	frac = strings.TrimRight(frac, "0")
	if frac != "" {
		whole += "." + frac
	}
	return body[:start] + whole + "S"
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
