package xapi_test

import (
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
	"golang.org/x/text/language"
)

// FuzzValidateStatement feeds arbitrary bytes through decoding, validation,
// formatting and comparison. It asserts that nothing panics and that every
// document is Equivalent to itself. The seed corpus is in
// testdata/fuzz/FuzzValidateStatement and runs with every go test.
func FuzzValidateStatement(f *testing.F) {
	f.Add([]byte(baseStatement))
	f.Add([]byte(`[` + baseStatement + `,` + baseStatement + `]`))
	accept := []language.Tag{language.German, language.AmericanEnglish}
	f.Fuzz(func(t *testing.T, data []byte) {
		xapi.DuplicateKeys(data)
		doc, err := xapi.Decode(data)
		if err != nil {
			return
		}
		for _, v := range []xapi.Version{xapi.V103, xapi.V200} {
			for _, p := range xapi.ValidateStatement(v, doc) {
				if p.Rule == "" || p.Message == "" {
					t.Fatalf("incomplete problem %+v", p)
				}
			}
			xapi.ValidateStatements(v, doc)
			xapi.ValidateActor(v, doc)
			xapi.ValidateActivity(v, doc)
		}
		for _, format := range []string{xapi.FormatExact, xapi.FormatIDs, xapi.FormatCanonical} {
			xapi.Format(doc, format, accept)
		}
		if !xapi.Equivalent(doc, doc) {
			t.Fatalf("document not equivalent to itself: %s", data)
		}
	})
}
