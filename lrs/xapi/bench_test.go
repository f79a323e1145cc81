package xapi_test

import (
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// BenchmarkValidateStatement measures validation of typical statements;
// results are recorded in the report, never asserted.
func BenchmarkValidateStatement(b *testing.B) {
	for _, name := range []string{"spec-attempted", "spec-long", "interaction-choice", "spec-substatement"} {
		doc := readJSON(b, "testdata/valid/"+name+".json")
		for _, v := range bothVersions {
			b.Run(string(v)+"/"+name, func(b *testing.B) {
				if ps := xapi.ValidateStatement(v, doc); ps != nil {
					b.Fatalf("invalid: %v", ps)
				}
				b.ReportAllocs()
				for b.Loop() {
					xapi.ValidateStatement(v, doc)
				}
			})
		}
	}
}

func BenchmarkValidateInvalidStatement(b *testing.B) {
	doc := with(b, edit{"/actor/mbox", `"nobody"`}, edit{"/object/objectType", `"activity"`}, edit{"/timestamp", `"yesterday"`})
	b.ReportAllocs()
	for b.Loop() {
		xapi.ValidateStatement(xapi.V200, doc)
	}
}

func BenchmarkEquivalent(b *testing.B) {
	a := readJSON(b, "testdata/valid/spec-long.json")
	c := readJSON(b, "testdata/valid/spec-long.json")
	b.ReportAllocs()
	for b.Loop() {
		xapi.Equivalent(a, c)
	}
}

// BenchmarkContextActivitiesAsArraysJSON measures the output check of
// every statement read in the exact format: a stored statement whose
// context activities are already arrays (the common case, returned as is)
// and one with single Activities (rewritten).
func BenchmarkContextActivitiesAsArraysJSON(b *testing.B) {
	for name, text := range map[string]string{"arrays": arrayContextActivities, "single": singleContextActivities} {
		raw := []byte(text)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := xapi.ContextActivitiesAsArraysJSON(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
