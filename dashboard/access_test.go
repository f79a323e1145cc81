package dashboard_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/analytics"
)

// A commune user cannot read another commune's numbers by any route: every
// data route, every CSV export, the report and the pages answer 403, or
// answer only with the user's own commune.
func TestCommuneUserSeesOnlyItsCommune(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("xa", communePass)
	for _, q := range analytics.Catalog {
		hasParam := slices.Contains(q.Params, "commune")
		hasCol := slices.Contains(q.Columns, "commune")
		for _, route := range []string{"/dashboard/api/", "/dashboard/csv/"} {
			// Asking for another commune explicitly.
			res, body := h.get(c, route+q.Name+"?commune="+otherCommune)
			if hasParam || hasCol {
				if res.StatusCode != http.StatusForbidden && strings.Contains(body, otherCommune) {
					t.Errorf("GET %s%s?commune=%s: %d and the body names the other commune: %s", route, q.Name, otherCommune, res.StatusCode, body)
				}
				if hasParam && res.StatusCode != http.StatusForbidden {
					t.Errorf("GET %s%s?commune=%s: %d, want 403", route, q.Name, otherCommune, res.StatusCode)
				}
			}
			// Asking without a commune: forced to the own commune, or refused.
			res, body = h.get(c, route+q.Name)
			switch {
			case res.StatusCode == http.StatusForbidden:
				if hasParam || !hasCol {
					t.Errorf("GET %s%s: 403, want the own commune's numbers", route, q.Name)
				}
			case res.StatusCode == http.StatusOK:
				if strings.Contains(body, otherCommune) {
					t.Errorf("GET %s%s: the body names the other commune: %s", route, q.Name, body)
				}
				if hasParam && h.engine.params(q.Name).Commune != ownCommune {
					t.Errorf("GET %s%s: the engine was asked for commune %q, want %q", route, q.Name, h.engine.params(q.Name).Commune, ownCommune)
				}
			default:
				t.Errorf("GET %s%s: %d %s", route, q.Name, res.StatusCode, body)
			}
		}
	}
	if res, _ := h.get(c, "/dashboard/api/by_commune"); res.StatusCode != http.StatusForbidden {
		t.Errorf("by_commune for a commune user: %d, want 403", res.StatusCode)
	}
	for _, path := range []string{
		"/dashboard/commune/" + otherCommune,
		"/dashboard/report/" + otherCommune + "?year=2025",
		"/dashboard/report/" + otherCommune + "?year=2025&format=csv",
	} {
		if res, body := h.get(c, path); res.StatusCode != http.StatusForbidden || strings.Contains(body, "Xã "+otherCommune) {
			t.Errorf("GET %s: %d, want 403", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/dashboard/commune/" + ownCommune, "/dashboard/report/" + ownCommune + "?year=2025", "/dashboard/report/" + ownCommune + "?year=2025&format=csv"} {
		if res, body := h.get(c, path); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, body)
		}
	}
	for _, path := range []string{"/dashboard/", "/dashboard/communes"} {
		res, _ := h.get(c, path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/commune/"+ownCommune {
			t.Errorf("GET %s: %d → %q, want a redirect to the own commune", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The page context lists which queries the role may run.
	_, body := h.get(c, "/dashboard/commune/"+ownCommune)
	if !strings.Contains(body, `"by_commune":{"params":["from","to","group","course"]`) || !strings.Contains(body, `"allowed":false`) {
		t.Errorf("page context does not mark by_commune as not allowed")
	}
}

func TestProvinceUserSeesEveryCommune(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("tinh", provPass)
	res, body := h.get(c, "/dashboard/api/by_commune?from=2025-01&to=2025-12")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, ownCommune) || !strings.Contains(body, otherCommune) {
		t.Fatalf("by_commune for the province: %d %s", res.StatusCode, body)
	}
	if p := h.engine.params("by_commune"); p.From != "2025-01" || p.To != "2025-12" {
		t.Errorf("params reached the engine as %+v", p)
	}
	for _, path := range []string{"/dashboard/", "/dashboard/communes", "/dashboard/commune/" + otherCommune, "/dashboard/courses", "/dashboard/integrity", "/dashboard/report/" + otherCommune + "?year=2026"} {
		if res, body := h.get(c, path); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, body)
		}
	}
	if res, _ := h.get(c, "/dashboard/api/no_such_query"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown query: %d, want 404", res.StatusCode)
	}
	if res, _ := h.get(c, "/dashboard/api/summary?from=2025-13"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad month: %d, want 400", res.StatusCode)
	}
	if res, _ := h.get(c, "/dashboard/report/"+ownCommune+"?year=2031"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("report of a future year: %d, want 400", res.StatusCode)
	}
}

func TestCSVExport(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("tinh", provPass)
	res, body := h.get(c, "/dashboard/csv/by_commune?from=2025-01&to=2025-12&lang=en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="hocvu-by_commune-2025-01-2025-12.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if !strings.HasPrefix(lines[0], "\uFEFFCommune code,Statements,Learners,") || len(lines) != 3 {
		t.Errorf("CSV:\n%s", body)
	}
	_, body = h.get(c, "/dashboard/csv/summary?lang=vi")
	if !strings.HasPrefix(body, "\uFEFFSố bản ghi,Người học,") {
		t.Errorf("Vietnamese CSV header: %q", strings.SplitN(body, "\n", 2)[0])
	}
}

// Every export with a course IRI names the course in the viewer's
// language, from the courses query, beside the IRI.
func TestCSVNamesCourses(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("tinh", provPass)
	for _, cs := range []struct{ lang, head, row string }{
		{"vi", "\uFEFFMã khóa học (IRI),Khóa học,Số bản ghi,", "https://khoa.example/1,Khóa học 1,7,"},
		{"en", "\uFEFFCourse IRI,Course,Statements,", "https://khoa.example/1,Course 1,7,"},
	} {
		_, body := h.get(c, "/dashboard/csv/by_course?lang="+cs.lang)
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if !strings.HasPrefix(lines[0], cs.head) || len(lines) < 2 || !strings.HasPrefix(lines[1], cs.row) {
			t.Errorf("by_course CSV in %s:\n%s", cs.lang, body)
		}
		if p := h.engine.params("courses"); p.Lang != map[string]string{"vi": "vi-VN", "en": "en-US"}[cs.lang] {
			t.Errorf("courses asked in %q for a %s page", p.Lang, cs.lang)
		}
	}
	_, body := h.get(c, "/dashboard/csv/fast_completions?lang=en")
	if !strings.Contains(strings.SplitN(body, "\n", 2)[0], ",Course IRI,Course,Completions,") {
		t.Errorf("fast_completions CSV header: %q", strings.SplitN(body, "\n", 2)[0])
	}
	_, body = h.get(c, "/dashboard/csv/summary?lang=en")
	if strings.Contains(body, "Course") {
		t.Errorf("a CSV without courses got a course column: %q", body)
	}
}

// TestCSVNeutralisesFormulas: values that came from statements open in a
// spreadsheet as text, never as formulas (issue 12, F5), in every CSV the
// dashboard serves.
func TestCSVNeutralisesFormulas(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("tinh", provPass)
	for _, payload := range []string{`=HYPERLINK("http://evil.example","x")`, `+cmd|' /C calc'!A0`, `=1+1`, `-1+1`, `@SUM(A1)`, "\t=1"} {
		h.engine.mu.Lock()
		h.engine.hostile = payload
		h.engine.mu.Unlock()
		for _, q := range []string{"by_group", "by_course", "by_activity", "bursts", "targets"} {
			res, body := h.get(c, "/dashboard/csv/"+q+"?lang=en")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", q, res.StatusCode, body)
			}
			rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
			rd.FieldsPerRecord = -1 // a capped query ends with a note
			recs, err := rd.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			seen := false
			for _, rec := range recs[1:] {
				for _, cell := range rec {
					if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "+") || strings.HasPrefix(cell, "-") || strings.HasPrefix(cell, "@") || strings.HasPrefix(cell, "\t") {
						t.Errorf("%s CSV has a formula cell %q", q, cell)
					}
					if cell == "'"+payload {
						seen = true
					}
				}
			}
			if !seen {
				t.Errorf("%s CSV lacks the neutralised value '%s:\n%s", q, payload, body)
			}
		}
	}
}

// TestCSVSaysWhenCapped: the CSV of a capped query asks for as many rows
// as allowed and says in its last line how many it left out (issue 22,
// item 2); the JSON carries the total.
func TestCSVSaysWhenCapped(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("tinh", provPass)
	_, body := h.get(c, "/dashboard/csv/bursts?lang=en")
	if p := h.engine.params("bursts"); p.Limit != analytics.MaxLimit {
		t.Errorf("CSV asked bursts with limit %d, want %d", p.Limit, analytics.MaxLimit)
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "Only 2 of 42 rows") {
		t.Errorf("CSV of a capped query ends with %q", last)
	}
	_, body = h.get(c, "/dashboard/api/bursts?limit=5")
	if p := h.engine.params("bursts"); p.Limit != 5 || !strings.Contains(body, `"limit":5,"total":42`) {
		t.Errorf("JSON of a capped query (limit %d): %s", p.Limit, body)
	}
	if _, body = h.get(c, "/dashboard/csv/by_commune?lang=en"); strings.Contains(body, "Only") {
		t.Errorf("an uncapped query's CSV has a note: %s", body)
	}
}
