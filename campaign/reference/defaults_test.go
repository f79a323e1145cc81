package reference_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
)

func TestDefaultProvince(t *testing.T) {
	d := reference.Default()
	if ps := d.Validate(nil); len(ps) > 0 {
		t.Fatal(ps)
	}
	kinds := map[reference.UnitKind]int{}
	for _, c := range d.Communes {
		kinds[c.Kind]++
	}
	if len(d.Communes) != 96 || kinds[reference.UnitWard] != 9 || kinds[reference.UnitCommune] != 86 || kinds[reference.UnitSpecialZone] != 1 {
		t.Errorf("%d units: %v", len(d.Communes), kinds)
	}
	var total, grouped int64
	for _, p := range d.Populations {
		total += p.Total
		for _, n := range p.Groups {
			grouped += n
		}
	}
	if total < 1_200_000 || total > 1_500_000 {
		t.Errorf("population %d, want 1.2–1.5M", total)
	}
	if len(d.Populations) != len(d.Communes) {
		t.Errorf("%d population rows for %d communes", len(d.Populations), len(d.Communes))
	}
	members := 0
	for _, tm := range d.Teams {
		members += tm.Members
	}
	if len(d.Teams) != reference.DefaultTeams || members < 12_000 {
		t.Errorf("%d teams with %d members; the province has 1,477 teams with 12,000+ members", len(d.Teams), members)
	}
	tinhKhe := 0
	for _, tm := range d.Teams {
		if tm.Commune == "21121" {
			tinhKhe++
		}
	}
	if c := d.Communes[3]; c.Name != "Tịnh Khê" || d.Populations[3].Total != 56000 || tinhKhe != 18 {
		t.Errorf("Tịnh Khê: %+v, %d people, %d teams (the report: ~56,000 people in 18 villages)", c, d.Populations[3].Total, tinhKhe)
	}
	if len(d.Targets) != 10 || len(d.Mentors) < len(d.Teams) {
		t.Errorf("%d targets, %d mentors", len(d.Targets), len(d.Mentors))
	}
	// Deterministic.
	if reference.ContentHash(d, reference.KindTeams) != reference.ContentHash(reference.Default(), reference.KindTeams) {
		t.Error("Default is not deterministic")
	}
}

// TestCSVAndJSONRoundTrip writes every kind of the default province (and
// the example learners) and reads it back unchanged.
func TestCSVAndJSONRoundTrip(t *testing.T) {
	d := reference.Default()
	d.Learners = reference.Example().Learners
	back := &reference.Data{}
	for _, k := range reference.Kinds {
		var buf bytes.Buffer
		if err := reference.WriteCSV(&buf, d, k); err != nil {
			t.Fatal(err)
		}
		one, err := reference.ParseCSV(string(k)+".csv", &buf, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := back.Merge(one); err != nil {
			t.Fatal(err)
		}
	}
	if ps := back.Validate(nil); len(ps) > 0 {
		t.Fatal(ps)
	}
	var js bytes.Buffer
	if err := reference.WriteJSON(&js, d); err != nil {
		t.Fatal(err)
	}
	fromJSON, err := reference.ParseJSON("reference.json", &js)
	if err != nil {
		t.Fatal(err)
	}
	if ps := fromJSON.Validate(nil); len(ps) > 0 {
		t.Fatal(ps)
	}
	for _, k := range reference.Kinds {
		want := reference.ContentHash(d, k)
		if got := reference.ContentHash(back, k); got != want {
			t.Errorf("%s changed through CSV", k)
		}
		if got := reference.ContentHash(fromJSON, k); got != want {
			t.Errorf("%s changed through JSON", k)
		}
	}
	if err := back.Merge(reference.Example()); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("merging a kind twice: %v", err)
	}
}

func TestTemplateReadmeNamesEveryColumn(t *testing.T) {
	readme := reference.TemplateReadme()
	for _, k := range reference.Kinds {
		for _, c := range reference.ColumnNames(k) {
			if !strings.Contains(readme, "  "+c+" ") {
				t.Errorf("README misses %s column %s", k, c)
			}
		}
	}
}

// TestCSVNeutralisesFormulas: a learner directory entry or a label that a
// spreadsheet would run as a formula is written as text (a leading single
// quote) and loads back unchanged (issue 12, F5).
func TestCSVNeutralisesFormulas(t *testing.T) {
	d := reference.Example()
	d.Learners[0].Name = "=HYPERLINK(\"http://evil.example\")"
	d.Learners[0].Household = "+cmd|' /C calc'!A0"
	var buf bytes.Buffer
	if err := reference.WriteCSV(&buf, d, reference.KindLearners); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, ",=HYPERLINK") || strings.Contains(s, ",\"=HYPERLINK") || strings.Contains(s, ",+cmd") {
		t.Errorf("formula cells in\n%s", s)
	}
	back, err := reference.ParseCSV("learners.csv", &buf, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Learners[0]; got.Name != d.Learners[0].Name || got.Household != d.Learners[0].Household {
		t.Errorf("read back %+v", got)
	}
}
