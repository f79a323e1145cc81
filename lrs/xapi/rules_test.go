package xapi_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/schemas"
)

// goRules are the rule ids implemented in Go rather than in the schemas.
var goRules = []string{"score.min-max", "score.raw-range", "interaction.component-id-unique", "batch.duplicate-id", "json.duplicate-key"}

// TestEveryRuleHasAnInvalidExample fails when a rule id of the schema files
// (x-rule) or of the Go rules has no invalid example in the table tests or
// under testdata/invalid.
func TestEveryRuleHasAnInvalidExample(t *testing.T) {
	tested := map[string]bool{"batch.duplicate-id": true, "json.duplicate-key": true} // batch_test.go, dupkeys_test.go
	for _, c := range ruleCases {
		tested[c.rule] = true
	}
	files, _ := filepath.Glob("testdata/invalid/*.json")
	for _, f := range files {
		c, _ := readJSON(t, f).(map[string]any)
		tested[c["rule"].(string)] = true
	}
	rules := map[string]bool{}
	for _, r := range goRules {
		rules[r] = true
	}
	for _, v := range bothVersions {
		fs, err := schemas.Files(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range fs {
			var doc any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			collectRules(doc, rules)
		}
	}
	for r := range rules {
		if !tested[r] {
			t.Errorf("rule %s has no invalid example", r)
		}
	}
}

func collectRules(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["x-rule"].(string); ok {
			into[r] = true
		}
		for _, e := range x {
			collectRules(e, into)
		}
	case []any:
		for _, e := range x {
			collectRules(e, into)
		}
	}
}
