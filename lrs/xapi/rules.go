package xapi

import (
	"encoding/json"
	"fmt"
	"math/big"
)

// statementRules applies the rules that a JSON Schema cannot express to one
// statement (and its SubStatement) at path prefix. It tolerates any shape:
// values of the wrong type are skipped, since the schema reports them.
func statementRules(doc any, prefix string) []Problem {
	st, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	var out []Problem
	out = append(out, scoreRules(st, prefix)...)
	forEachActivity(st, prefix, func(a map[string]any, path string) {
		if def, ok := a["definition"].(map[string]any); ok {
			out = append(out, componentRules(def, path+"/definition")...)
		}
	})
	if sub, ok := st["object"].(map[string]any); ok && sub["objectType"] == "SubStatement" {
		out = append(out, scoreRules(sub, prefix+"/object")...)
	}
	return out
}

// scoreRules checks Data 2.4.5.1: min is less than max, and raw lies between
// them (inclusive) where they are given. The range of scaled is in the
// schema.
func scoreRules(st map[string]any, prefix string) []Problem {
	result, _ := st["result"].(map[string]any)
	score, _ := result["score"].(map[string]any)
	if score == nil {
		return nil
	}
	path := prefix + "/result/score"
	lo, hasMin := number(score["min"])
	hi, hasMax := number(score["max"])
	raw, hasRaw := number(score["raw"])
	var out []Problem
	if hasMin && hasMax && lo.Cmp(hi) >= 0 {
		out = append(out, Problem{Path: path + "/max", Rule: "score.min-max",
			Message: fmt.Sprintf("max (%s) must be greater than min (%s)", score["max"], score["min"])})
	}
	if hasRaw && hasMin && raw.Cmp(lo) < 0 {
		out = append(out, Problem{Path: path + "/raw", Rule: "score.raw-range",
			Message: fmt.Sprintf("raw (%s) must not be less than min (%s)", score["raw"], score["min"])})
	}
	if hasRaw && hasMax && raw.Cmp(hi) > 0 {
		out = append(out, Problem{Path: path + "/raw", Rule: "score.raw-range",
			Message: fmt.Sprintf("raw (%s) must not be greater than max (%s)", score["raw"], score["max"])})
	}
	return out
}

// componentLists are the interaction component lists of Data 2.4.4.1.
var componentLists = []string{"choices", "scale", "source", "target", "steps"}

// componentRules checks that the ids within each interaction component list
// are distinct (Data 2.4.4.1.s16.b1).
func componentRules(def map[string]any, path string) []Problem {
	var out []Problem
	for _, name := range componentLists {
		list, _ := def[name].([]any)
		first := map[string]int{}
		for i, c := range list {
			m, _ := c.(map[string]any)
			id, ok := m["id"].(string)
			if !ok {
				continue
			}
			if j, dup := first[id]; dup {
				out = append(out, Problem{
					Path:    fmt.Sprintf("%s/%s/%d/id", path, name, i),
					Rule:    "interaction.component-id-unique",
					Message: fmt.Sprintf("repeats the id %q of item %d; ids within %q must be distinct", id, j, name),
				})
				continue
			}
			first[id] = i
		}
	}
	return out
}

// forEachActivity calls fn for every Activity object of a statement: its
// object, its context activities, and those of its SubStatement.
func forEachActivity(st map[string]any, prefix string, fn func(a map[string]any, path string)) {
	if obj, ok := st["object"].(map[string]any); ok {
		switch obj["objectType"] {
		case nil, "Activity":
			fn(obj, prefix+"/object")
		case "SubStatement":
			forEachContextActivity(obj, prefix+"/object", fn)
			if inner, ok := obj["object"].(map[string]any); ok {
				if t := inner["objectType"]; t == nil || t == "Activity" {
					fn(inner, prefix+"/object/object")
				}
			}
		}
	}
	forEachContextActivity(st, prefix, fn)
}

func forEachContextActivity(st map[string]any, prefix string, fn func(a map[string]any, path string)) {
	ctx, _ := st["context"].(map[string]any)
	ca, _ := ctx["contextActivities"].(map[string]any)
	for _, key := range []string{"parent", "grouping", "category", "other"} {
		base := prefix + "/context/contextActivities/" + key
		switch v := ca[key].(type) {
		case map[string]any:
			fn(v, base)
		case []any:
			for i, a := range v {
				if m, ok := a.(map[string]any); ok {
					fn(m, fmt.Sprintf("%s/%d", base, i))
				}
			}
		}
	}
}

// number converts a JSON number to an exact rational.
func number(v any) (*big.Rat, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(x) == nil {
			return nil, false
		}
		return r, true
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}
