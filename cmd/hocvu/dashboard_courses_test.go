package main_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/internal/proctest"
)

// courseNames is the courses query's answer in a language: IRI → name.
func courseNames(t *testing.T, p *proctest.Process, lang string) map[string]string {
	t.Helper()
	r, ok := apiQuery(t, p, "courses", url.Values{"lang": {lang}})
	if !ok {
		t.Fatal("the analytics API has no courses query")
	}
	names := map[string]string{}
	for _, row := range r.Rows {
		names[fmt.Sprint(row[r.col("course_id")])] = fmt.Sprint(row[r.col("name")])
	}
	return names
}

// checkCourseCells checks that the cells of column course_id matching
// selector name their course as the API does (and not by its IRI, since
// the simulated content names every course), and returns how many.
func checkCourseCells(t *testing.T, b *browser, where, selector string, names map[string]string) int {
	t.Helper()
	var cells [][2]string
	if err := json.Unmarshal([]byte(eval[string](b, fmt.Sprintf(`JSON.stringify([...document.querySelectorAll(%q)].map((td) => [td.dataset.v || '', td.textContent]))`, selector))), &cells); err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if c[0] == "" {
			continue
		}
		if want, ok := names[c[0]]; !ok || c[1] != want || c[1] == c[0] {
			t.Errorf("%s: course %s shown as %q, the courses query names it %q", where, c[0], c[1], want)
		}
	}
	if len(cells) == 0 {
		t.Errorf("%s: no course cells (%s)", where, selector)
	}
	return len(cells)
}

// checkCourseNamesEverywhere opens the pages that show courses and checks
// the names on them, in the chart labels, in the course filter, in a CSV
// export and in the commune report, in Vietnamese and in English.
func checkCourseNamesEverywhere(t *testing.T, b *browser, p *proctest.Process, year string) {
	t.Helper()
	vi, en := courseNames(t, p, "vi-VN"), courseNames(t, p, "en-US")
	b.open("/dashboard/courses")
	checkCourseCells(t, b, "courses page", `#panel-by_course td[data-col="course_id"]`, vi)
	var labels []string
	_ = json.Unmarshal([]byte(eval[string](b, `JSON.stringify([...document.querySelectorAll('#panel-by_course svg text.label')].map((t) => [...t.querySelectorAll('tspan')].map((s) => s.textContent).join(' ')))`)), &labels)
	if len(labels) == 0 {
		t.Error("courses page: the course chart has no labels")
	}
	for _, l := range labels {
		prefix := strings.TrimSuffix(l, "…")
		found := false
		for _, n := range vi {
			if strings.HasPrefix(n, prefix) || strings.HasPrefix(strings.Join(strings.Fields(n), " "), prefix) {
				found = true
			}
		}
		if !found {
			t.Errorf("courses page: chart label %q is no course's name", l)
		}
	}
	var options []string
	_ = json.Unmarshal([]byte(eval[string](b, `JSON.stringify([...document.querySelectorAll('#f-course option')].slice(1).map((o) => o.value + '\t' + o.textContent))`)), &options)
	for _, o := range options {
		iri, name, _ := strings.Cut(o, "\t")
		if vi[iri] != name {
			t.Errorf("course filter: %s shown as %q, want %q", iri, name, vi[iri])
		}
	}
	if len(options) == 0 {
		t.Error("course filter: no courses")
	}
	// The CSV export: the name beside the IRI.
	body := strings.TrimPrefix(b.fetchText("/dashboard/csv/by_course?from="+year+"-01&to="+year+"-12&lang=vi"), "\uFEFF")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) < 2 || recs[0][0] != "Mã khóa học (IRI)" || recs[0][1] != "Khóa học" {
		t.Fatalf("by_course CSV: %v\n%s", err, body)
	}
	for _, r := range recs[1:] {
		if r[0] != "" && r[1] != vi[r[0]] {
			t.Errorf("by_course CSV: %s named %q, want %q", r[0], r[1], vi[r[0]])
		}
	}
	// English.
	b.open("/dashboard/courses?lang=en")
	checkCourseCells(t, b, "courses page in English", `#panel-by_course td[data-col="course_id"]`, en)
	b.open("/dashboard/courses?lang=vi")
	// The integrity page and a commune page.
	b.open("/dashboard/integrity")
	checkCourseCells(t, b, "integrity page", `#panel-fast_completions td[data-col="course_id"]`, vi)
	b.open("/dashboard/commune/" + ownCommune)
	checkCourseCells(t, b, "commune page", `#panel-by_course td[data-col="course_id"]`, vi)
	// The commune report, section IV.
	b.visit("/dashboard/report/"+ownCommune+"?year="+year, "#courses")
	var rows [][2]string
	_ = json.Unmarshal([]byte(eval[string](b, `JSON.stringify([...document.querySelectorAll('#courses tbody tr')].map((tr) => [tr.dataset.course, tr.children[1].textContent]))`)), &rows)
	if len(rows) == 0 {
		t.Error("report: no course rows")
	}
	for _, r := range rows {
		if r[1] != vi[r[0]] || r[1] == r[0] {
			t.Errorf("report: course %s named %q, want %q", r[0], r[1], vi[r[0]])
		}
	}
}
