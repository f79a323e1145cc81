package xapi

import (
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// The values of the format parameter of GET /statements.
const (
	FormatExact     = "exact"
	FormatIDs       = "ids"
	FormatCanonical = "canonical"
)

// ifiKeys are the Inverse Functional Identifier properties (Data 2.4.2.3).
var ifiKeys = []string{"mbox", "mbox_sha1sum", "openid", "account"}

// Format returns a statement (a map) or a list of statements (a slice) in
// the representation that the format parameter of GET /statements asks for
// (Communication 2.1.3):
//
//   - "exact" (or ""): doc as stored, except that every contextActivities
//     value is an array (see [ContextActivitiesAsArrays]).
//   - "ids": Agents and identified Groups keep only objectType and their
//     identifier; anonymous Groups keep objectType and their members, each
//     reduced the same way; Activities keep only id (their objectType, when
//     present, can only be the default "Activity"); Verbs keep only id. This
//     applies to actor, object, authority, the context (instructor, team,
//     contextActivities, contextAgents, contextGroups) and inside a
//     SubStatement.
//   - "canonical": every language map of Activity definitions (name,
//     description and interaction component descriptions) and of Verb
//     display keeps only the one language that best matches accept (the
//     request's Accept-Language, best first; see [BestLanguage]). Everything else stays as in
//     exact. Substituting the LRS's canonical Activity definitions is the
//     caller's job, before calling Format.
//
// In every format each contextActivities value is an array, also where the
// statement or its SubStatement carries a single Activity (Data
// 2.4.6.2.s4.b3 and b4; IEEE 9274.1.1 4.2.4.2). Any other format is treated
// as exact. Format never modifies doc; the result shares unchanged parts
// with it.
func Format(doc any, format string, accept []language.Tag) any {
	var f func(map[string]any) map[string]any
	switch format {
	case FormatIDs:
		f = idsStatement
	case FormatCanonical:
		f = func(st map[string]any) map[string]any { return canonicalStatement(st, accept) }
	default:
		f = func(st map[string]any) map[string]any {
			out, _ := ContextActivitiesAsArrays(st)
			return out
		}
	}
	switch x := doc.(type) {
	case map[string]any:
		return f(x)
	case []any:
		out := make([]any, len(x))
		for i, st := range x {
			if m, ok := st.(map[string]any); ok {
				out[i] = f(m)
			} else {
				out[i] = st
			}
		}
		return out
	}
	return doc
}

func idsStatement(st map[string]any) map[string]any {
	out := make(map[string]any, len(st))
	for k, v := range st {
		switch k {
		case "actor", "authority":
			out[k] = idsActor(v)
		case "verb":
			out[k] = idsVerb(v)
		case "object":
			out[k] = idsObject(v)
		case "context":
			out[k] = idsContext(v)
		default:
			out[k] = v
		}
	}
	return out
}

func idsActor(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	if t, ok := m["objectType"]; ok {
		out["objectType"] = t
	}
	identified := false
	for _, k := range ifiKeys {
		if x, ok := m[k]; ok {
			out[k] = x
			identified = true
		}
	}
	if members, ok := m["member"].([]any); ok && !identified {
		list := make([]any, len(members))
		for i, a := range members {
			list[i] = idsActor(a)
		}
		out["member"] = list
	}
	return out
}

func idsVerb(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if id, ok := m["id"]; ok {
		return map[string]any{"id": id}
	}
	return m
}

func idsActivity(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if id, ok := m["id"]; ok {
		return map[string]any{"id": id}
	}
	return map[string]any{}
}

func idsObject(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	switch m["objectType"] {
	case nil, "Activity":
		return idsActivity(m)
	case "Agent", "Group":
		return idsActor(m)
	case "SubStatement":
		return idsStatement(m)
	}
	return m
}

func idsContext(v any) any {
	ctx, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(ctx))
	for k, x := range ctx {
		switch k {
		case "instructor", "team":
			out[k] = idsActor(x)
		case "contextActivities":
			out[k] = mapContextActivities(x, idsActivity)
		case "contextAgents", "contextGroups":
			out[k] = mapContextActors(x, idsActor)
		default:
			out[k] = x
		}
	}
	return out
}

// mapContextActivities returns the contextActivities object v with f
// applied to each Activity and every value an array (a single Activity
// becomes an array of one).
func mapContextActivities(v any, f func(any) any) any {
	ca, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(ca))
	for k, x := range ca {
		list, ok := x.([]any)
		if !ok {
			list = []any{x}
		}
		l := make([]any, len(list))
		for i, a := range list {
			l[i] = f(a)
		}
		out[k] = l
	}
	return out
}

func mapContextActors(v any, f func(any) any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			out[i] = item
			continue
		}
		c := make(map[string]any, len(m))
		for k, x := range m {
			if k == "agent" || k == "group" {
				c[k] = f(x)
			} else {
				c[k] = x
			}
		}
		out[i] = c
	}
	return out
}

func canonicalStatement(st map[string]any, accept []language.Tag) map[string]any {
	out := make(map[string]any, len(st))
	for k, v := range st {
		switch k {
		case "verb":
			out[k] = withBestLanguage(v, []string{"display"}, accept)
		case "object":
			m, _ := v.(map[string]any)
			switch {
			case m == nil:
				out[k] = v
			case m["objectType"] == nil || m["objectType"] == "Activity":
				out[k] = canonicalActivity(m, accept)
			case m["objectType"] == "SubStatement":
				out[k] = canonicalStatement(m, accept)
			default:
				out[k] = v
			}
		case "context":
			ctx, ok := v.(map[string]any)
			if !ok {
				out[k] = v
				continue
			}
			c := make(map[string]any, len(ctx))
			for ck, cv := range ctx {
				if ck == "contextActivities" {
					c[ck] = mapContextActivities(cv, func(a any) any { return canonicalActivity(a, accept) })
				} else {
					c[ck] = cv
				}
			}
			out[k] = c
		default:
			out[k] = v
		}
	}
	return out
}

func canonicalActivity(v any, accept []language.Tag) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	def, ok := m["definition"].(map[string]any)
	if !ok {
		return m
	}
	d := withBestLanguage(def, []string{"name", "description"}, accept).(map[string]any)
	for _, name := range componentLists {
		list, ok := d[name].([]any)
		if !ok {
			continue
		}
		l := make([]any, len(list))
		for i, c := range list {
			l[i] = withBestLanguage(c, []string{"description"}, accept)
		}
		d[name] = l
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	out["definition"] = d
	return out
}

// withBestLanguage returns a copy of the object v in which each language
// map under keys holds only its best language.
func withBestLanguage(v any, keys []string, accept []language.Tag) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	for _, k := range keys {
		lm, ok := m[k].(map[string]any)
		if !ok || len(lm) == 0 {
			continue
		}
		best := BestLanguage(lm, accept)
		out[k] = map[string]any{best: lm[best]}
	}
	return out
}

// BestLanguage returns the key of the language map lm that best matches
// accept (most preferred first), using BCP 47 matching; without a match it
// falls back to en-US, then en, then another English tag, then the first key
// in lexical order. It
// returns "" only for an empty map.
func BestLanguage(lm map[string]any, accept []language.Tag) string {
	keys := make([]string, 0, len(lm))
	for k := range lm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	if len(accept) > 0 {
		var tags []language.Tag
		var tagKeys []string
		for _, k := range keys {
			if t, err := language.Parse(k); err == nil {
				tags = append(tags, t)
				tagKeys = append(tagKeys, k)
			}
		}
		if len(tags) > 0 {
			_, i, conf := language.NewMatcher(tags).Match(accept...)
			if conf != language.No && i >= 0 && i < len(tagKeys) {
				return tagKeys[i]
			}
		}
	}
	for _, match := range []func(string) bool{
		func(k string) bool { return k == "en-us" },
		func(k string) bool { return k == "en" },
		func(k string) bool { return strings.HasPrefix(k, "en-") },
	} {
		for _, k := range keys {
			if match(strings.ToLower(k)) {
				return k
			}
		}
	}
	return keys[0]
}
