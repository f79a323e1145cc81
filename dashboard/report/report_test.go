package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/report"
)

// stub answers the report's named queries with fixed rows; group is the
// target group of the progress row without a target.
type stub struct {
	asked map[string]analytics.Params
	group string
}

func (s *stub) Query(_ context.Context, name string, p analytics.Params) (*analytics.Result, error) {
	s.asked[name] = p
	res := &analytics.Result{Query: name}
	switch name {
	case "communes":
		res.Columns = []string{"commune", "name", "kind", "district", "area_types", "population"}
		res.Rows = [][]any{{"21121", "Tịnh Khê", "commune", "Thành phố Quảng Ngãi", "rural", int64(56000)}}
	case "progress":
		res.Columns = []string{"commune", "name", "area_types", "target_group", "population", "target_pct", "prev_target_pct", "target_count", "learners", "certified_learners", "progress_pct"}
		res.Rows = [][]any{
			{"21121", "Tịnh Khê", "rural", "citizen", int64(28000), 80.0, 70.0, int64(22400), int64(23000), int64(22500), 80.3571},
			{"21121", "Tịnh Khê", "rural", "student", int64(10000), 100.0, 100.0, int64(10000), int64(9000), int64(8000), 80.0},
			// No target (null), and a share that rounds to 0.
			{"21121", "Tịnh Khê", "rural", s.group, int64(20000), nil, nil, nil, int64(3), int64(1), 0.005},
		}
	case "summary":
		res.Columns = []string{"statements", "learners", "lesson_completions", "passes", "fails", "certificates", "certified_learners"}
		res.Rows = [][]any{{int64(90000), int64(1716), int64(40000), int64(1500), int64(200), int64(1400), int64(1390)}}
	case "teams":
		res.Columns = []string{"team", "commune", "name", "members", "learners"}
		res.Rows = [][]any{{"t1", "21121", "Tổ 1", int64(8), int64(40)}, {"t2", "21121", "Tổ 2", int64(7), int64(3)}}
	case "mentors":
		res.Columns = []string{"mentor", "commune", "team", "label", "mentees", "meets_norm"}
		res.Rows = [][]any{{"m1", "21121", "t1", "Đại sứ số 001", int64(6), int64(1)}, {"m2", "21121", "t1", "Đại sứ số 002", int64(2), int64(0)}}
	case "mentoring":
		// Two of m2's mentees are m1's too: 6 distinct people, not 8.
		res.Columns = []string{"commune", "name", "mentors", "mentors_meeting_norm", "mentees"}
		res.Rows = [][]any{{"21121", "Tịnh Khê", int64(2), int64(1), int64(6)}}
	case "by_course":
		res.Columns = []string{"course_id", "statements", "learners", "lesson_completions", "passes", "fails", "certificates", "certified_learners"}
		res.Rows = [][]any{
			{"https://hoctap.example/khoa/vneid", int64(900), int64(40), int64(300), int64(30), int64(5), int64(25), int64(25)},
			{"https://hoctap.example/khoa/ky-nang-so", int64(3000), int64(120), int64(800), int64(100), int64(9), int64(90), int64(88)},
			{"", int64(5), int64(1), int64(0), int64(0), int64(0), int64(0), int64(0)},
		}
	case "courses":
		res.Columns = []string{"course_id", "name", "lang"}
		if p.Lang == "en-US" {
			res.Rows = [][]any{{"https://hoctap.example/khoa/ky-nang-so", "Digital skills basics", "en-US"}, {"https://hoctap.example/khoa/vneid", "https://hoctap.example/khoa/vneid", ""}}
		} else {
			res.Rows = [][]any{{"https://hoctap.example/khoa/ky-nang-so", "Kỹ năng số cơ bản", "vi-VN"}, {"https://hoctap.example/khoa/vneid", "https://hoctap.example/khoa/vneid", ""}}
		}
	default:
		return nil, errors.New("unexpected query " + name)
	}
	return res, nil
}

var externalRE = regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//|@import`)

var now = time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)

func TestBuildAndRender(t *testing.T) {
	s := &stub{asked: map[string]analytics.Params{}, group: "worker"}
	r, err := report.Build(context.Background(), s, func(string) bool { return true }, "21121", 2025, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "Tịnh Khê" || r.Through != "2025-12" || len(r.Targets) != 3 || r.Activity.Learners != 1716 {
		t.Fatalf("report %+v", r)
	}
	if !r.Targets[0].Met() || r.Targets[1].Met() || r.Targets[2].Met() || r.Targets[2].HasTarget() {
		t.Errorf("met: citizen %v, student %v, worker %v (target %v)", r.Targets[0].Met(), r.Targets[1].Met(), r.Targets[2].Met(), r.Targets[2].HasTarget())
	}
	if c := r.Community; c.Teams != 2 || c.TeamMembers != 15 || c.Mentors != 2 || c.MentorsMeetingNorm != 1 || c.Mentees == nil || *c.Mentees != 6 {
		t.Errorf("community %+v (mentees are the mentoring query's distinct people, not the sum 8)", c)
	}
	// Sections II and III cover the same months (issue 22, item 8).
	for _, q := range []string{"summary", "teams", "mentors", "mentoring"} {
		if p := s.asked[q]; p.From != "2025-01" || p.To != "2025-12" || p.Commune != "21121" {
			t.Errorf("%s asked with %+v, want the year", q, p)
		}
	}
	if p := s.asked["progress"]; p.To != "2025-12" || p.From != "" || p.Commune != "21121" {
		t.Errorf("progress asked with %+v", p)
	}

	var buf bytes.Buffer
	if err := r.WriteCSV(&buf, "vi"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), report.BOM) {
		t.Error("CSV has no BOM")
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), report.BOM)))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][0] != "Đơn vị: Tịnh Khê (mã 21121)" || recs[2][0] != "Số liệu tính đến hết tháng 12/2025" {
		t.Errorf("title block %q", recs[:3])
	}
	if h := recs[3]; h[7] != "Người học (có hoạt động)" || h[12] != "Số liệu" {
		t.Errorf("header %q: learners and the sections' figures have columns of their own", h)
	}
	rows := map[string][]string{}
	for _, rec := range recs {
		if len(rec) > 12 {
			rows[rec[0]+"/"+rec[1]] = rec
		}
	}
	if rec := rows["I/1"]; rec == nil || rec[3] != "citizen" || rec[4] != "28000" || rec[5] != "80" || rec[6] != "22400" || rec[7] != "23000" ||
		rec[8] != "22500" || rec[9] != "100.4464" || rec[10] != "80.3571" || rec[11] != "Đạt" || rec[12] != "" {
		t.Errorf("citizen row %q", rec)
	}
	if rec := rows["I/3"]; rec == nil || rec[5] != "" || rec[6] != "" || rec[9] != "" || rec[10] != "0.005" || rec[11] != "Chưa có chỉ tiêu" {
		t.Errorf("row without a target %q", rec)
	}
	if rec := rows["II/1"]; rec == nil || rec[7] != "" || rec[12] != "1716" {
		t.Errorf("section II learners %q", rec)
	}
	if rec := rows["III/5"]; rec == nil || rec[12] != "6" {
		t.Errorf("section III mentees %q", rec)
	}
	if last := recs[len(recs)-1][0]; !strings.Contains(last, "4 chữ số") {
		t.Errorf("the CSV ends without the notes: %q", last)
	}
	// Section IV: the year's courses, most learners first, by name.
	var courses [][]string
	for _, rec := range recs {
		if len(rec) > 0 && rec[0] == "IV" {
			courses = append(courses, rec)
		}
	}
	if len(courses) != 2 || courses[0][2] != "Kỹ năng số cơ bản" || courses[0][7] != "120" || courses[0][8] != "88" || courses[0][12] != "" || courses[0][13] != "800" ||
		courses[1][2] != "https://hoctap.example/khoa/vneid" || courses[1][14] != "https://hoctap.example/khoa/vneid" {
		t.Errorf("course rows %q", courses)
	}
	if p := s.asked["by_course"]; p.From != "2025-01" || p.To != "2025-12" || p.Commune != "21121" {
		t.Errorf("by_course asked with %+v", p)
	}

	buf.Reset()
	if err := r.WriteHTML(&buf, "en"); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`<html lang="en">`, "Unit: Tịnh Khê (code 21121)", "Citizens (adults)", "22,500", ">Met<", "Not met", "Ambassadors guiding 5 or more people",
		">No target<", ">&lt; 0.1<", "Learners (any activity)", "each person once", "rounded up to whole people",
		"IV. Courses during the year", "<td>Digital skills basics</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Course IRIs appear as text and data; nothing is loaded from outside.
	if strings.Contains(html, "<script") || externalRE.MatchString(html) {
		t.Error("the printable report must be standalone (no script, no external resource)")
	}
	if !strings.HasPrefix(report.StyleHash(), "'sha256-") {
		t.Error(report.StyleHash())
	}
}

// TestCSVNeutralisesFormulas: a value that came from statements (here a
// target group) opens in a spreadsheet as text (issue 12, F5).
func TestCSVNeutralisesFormulas(t *testing.T) {
	s := &stub{asked: map[string]analytics.Params{}, group: "=HYPERLINK(\"http://evil.example\")"}
	r, err := report.Build(context.Background(), s, func(string) bool { return true }, "21121", 2025, now)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf, "en"); err != nil {
		t.Fatal(err)
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), report.BOM)))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range recs {
		for _, cell := range rec {
			if strings.HasPrefix(cell, "=") {
				t.Errorf("formula cell %q", cell)
			}
			found = found || cell == "'"+s.group
		}
	}
	if !found {
		t.Errorf("the group is not in the CSV as text:\n%s", buf.String())
	}
}

func TestMissingQueriesAndBadRequests(t *testing.T) {
	s := &stub{asked: map[string]analytics.Params{}, group: "worker"}
	only := func(name string) bool { return name == "summary" }
	r, err := report.Build(context.Background(), s, only, "21121", 2026, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Through != "2026-03" || len(r.Missing) != 6 || r.Community != nil || len(r.Targets) != 0 || len(r.Courses) != 0 {
		t.Errorf("report without the reference queries: %+v", r)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, "vi"); err != nil || !strings.Contains(buf.String(), "Đơn vị: mã 21121") || !strings.Contains(buf.String(), "truy vấn progress") {
		t.Errorf("HTML without reference data: %v\n%s", err, buf.String())
	}
	for _, c := range []struct {
		code string
		year int
	}{{"", 2025}, {"21121", 2027}, {"21121", 1999}} {
		if _, err := report.Build(context.Background(), s, only, c.code, c.year, now); !errors.Is(err, report.ErrBadRequest) {
			t.Errorf("Build(%q, %d) = %v", c.code, c.year, err)
		}
	}
}

// A report of a year that runs counts to the day it was made, and says so:
// on 7 December it must not claim the end of December.
func TestThroughTheMonthInProgress(t *testing.T) {
	s := &stub{asked: map[string]analytics.Params{}}
	dec7 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC) // 10:00 in Vietnam
	r, err := report.Build(context.Background(), s, func(string) bool { return true }, "21121", 2026, dec7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Through != "2026-12" {
		t.Fatalf("through %s", r.Through)
	}
	for lang, want := range map[string]string{
		"vi": "Số liệu tính đến ngày 7/12/2026 (tháng 12/2026 chưa kết thúc)",
		"en": "Figures to 7 December 2026 (2026-12 has not ended)",
	} {
		var csvBuf, htmlBuf bytes.Buffer
		if err := r.WriteCSV(&csvBuf, lang); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteHTML(&htmlBuf, lang); err != nil {
			t.Fatal(err)
		}
		for what, out := range map[string]string{"CSV": csvBuf.String(), "HTML": htmlBuf.String()} {
			if !strings.Contains(out, want) || strings.Contains(out, "đến hết") || strings.Contains(out, "through the end") {
				t.Errorf("%s in %s: want %q in\n%s", what, lang, want, out[:min(len(out), 600)])
			}
		}
	}
	// The year before, made the same day, is complete.
	r, err = report.Build(context.Background(), s, func(string) bool { return true }, "21121", 2025, dec7)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, "vi"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Số liệu tính đến hết tháng 12/2025") {
		t.Errorf("a past year: %s", buf.String()[:600])
	}
}
