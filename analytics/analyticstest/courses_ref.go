package analyticstest

import (
	"sort"
	"strings"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/vocab"
)

// courses is the reference of the courses query, written from the
// statements directly: every course of a counted statement and every
// course a statement stored with the define scope names (voided or not),
// its names merged per language in log order.
func (d *Dataset) courses(res *analytics.Result, p analytics.Params, counted []row) *analytics.Result {
	names := map[string]map[string]string{}
	learn := func(course string, def map[string]any) {
		lm, _ := def["name"].(map[string]any)
		for lang, v := range lm {
			s, _ := v.(string)
			if s = strings.TrimSpace(s); lang == "" || s == "" {
				continue
			}
			if names[course] == nil {
				names[course] = map[string]string{}
			}
			names[course][lang] = s
		}
	}
	for _, e := range d.entries {
		if e.ref != nil || !d.defines(e.statement) {
			continue
		}
		st := d.Statements[e.statement]
		obj, _ := st["object"].(map[string]any)
		if def, ok := obj["definition"].(map[string]any); ok && def["type"] == vocab.TypeCourse && obj["objectType"] != "StatementRef" {
			learn(obj["id"].(string), def)
			continue
		}
		ctx, _ := st["context"].(map[string]any)
		ca, _ := ctx["contextActivities"].(map[string]any)
	kinds:
		for _, kind := range []string{"parent", "grouping"} {
			list, _ := ca[kind].([]any)
			for _, a := range list {
				am := a.(map[string]any)
				if def, ok := am["definition"].(map[string]any); ok && def["type"] == vocab.TypeCourse {
					learn(am["id"].(string), def)
					break kinds
				}
			}
		}
	}
	ids := map[string]bool{}
	for _, r := range counted {
		if r.course != "" {
			ids[r.course] = true
		}
	}
	for c := range names {
		ids[c] = true
	}
	sorted := make([]string, 0, len(ids))
	for c := range ids {
		if p.Course == "" || c == p.Course {
			sorted = append(sorted, c)
		}
	}
	sort.Strings(sorted)
	for _, c := range sorted {
		name, tag := pickName(names[c], p.Lang)
		if name == "" {
			name = c
		}
		res.Rows = append(res.Rows, []any{c, name, tag})
	}
	return res
}

// pickName scores every name by how well its tag fits lang (0: the same
// tag; then per language — lang's, Vietnamese, English — its usual
// region, the bare language, another region) and keeps the best, the
// smallest tag on a tie.
func pickName(names map[string]string, lang string) (string, string) {
	if lang == "" {
		lang = "vi-VN"
	}
	want := strings.ToLower(lang)
	order := []string{strings.FieldsFunc(want, func(r rune) bool { return r == '-' || r == '_' })[0]}
	for _, b := range []string{"vi", "en"} {
		if b != order[0] {
			order = append(order, b)
		}
	}
	usual := map[string]string{"vi": "vi-vn", "en": "en-us"}
	best, bestScore := "", -1
	for k, v := range names {
		if v == "" {
			continue
		}
		lk, score := strings.ToLower(k), -1
		if lk == want {
			score = 0
		}
		for i, b := range order {
			if score >= 0 {
				break
			}
			switch {
			case usual[b] != "" && lk == usual[b]:
				score = 1 + 3*i
			case lk == b:
				score = 2 + 3*i
			case strings.HasPrefix(lk, b+"-"):
				score = 3 + 3*i
			}
		}
		if score < 0 {
			continue
		}
		if bestScore < 0 || score < bestScore || score == bestScore && k < best {
			best, bestScore = k, score
		}
	}
	if bestScore < 0 {
		return "", ""
	}
	return names[best], best
}
