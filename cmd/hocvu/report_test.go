package main_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/proctest"
)

// reportData is a data directory with a small simulated campaign projected
// into the embedded analytics (no server running).
func reportData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, out, errOut := proctest.Run(t, nil, "simulate", "--mode=bulk", "--data-dir="+dir, "--learners=800",
		"--seed=3", "--to=2025-12-31", "--no-progress"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := proctest.Run(t, nil, "projections", "rebuild", "analytics", "--data-dir="+dir); code != 0 {
		t.Fatalf("rebuild analytics: %d\n%s\n%s", code, out, errOut)
	}
	return dir
}

func TestReportCommune(t *testing.T) {
	dir := reportData(t)
	code, out, errOut := proctest.Run(t, nil, "report", "commune", "21121", "--year=2025", "--data-dir="+dir)
	if code != 0 {
		t.Fatalf("report commune: %d\n%s", code, errOut)
	}
	if !strings.HasPrefix(out, "\uFEFF") {
		t.Error("the CSV has no BOM for Excel")
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, out)
	}
	if !strings.Contains(recs[0][0], "NĂM 2025") || !strings.Contains(recs[1][0], "Tịnh Khê") {
		t.Errorf("title block: %q", recs[:2])
	}
	// The numbers are the named queries': the year's learners equal the
	// summary query's, the groups' learners the progress query's.
	_, sumOut, _ := proctest.Run(t, nil, "analytics", "query", "summary", "--from=2025-01", "--to=2025-12", "--commune=21121", "--json", "--data-dir="+dir)
	var sum struct {
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
	}
	if err := json.Unmarshal([]byte(sumOut), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, sumOut)
	}
	learners := fmt.Sprint(sum.Rows[0][1])
	groups := 0
	for _, rec := range recs {
		if len(rec) > 12 && rec[0] == "II" && rec[1] == "1" && rec[12] != learners {
			t.Errorf("report learners %s, summary query %s", rec[12], learners)
		}
		if len(rec) > 7 && rec[0] == "I" {
			groups++
		}
	}
	if groups != 4 {
		t.Errorf("%d target-group rows, want 4:\n%s", groups, out)
	}
	// Section IV names every course as the courses query does in
	// Vietnamese: the activity definitions' names, not the IRIs.
	_, coursesOut, _ := proctest.Run(t, nil, "analytics", "query", "courses", "--lang=vi-VN", "--json", "--data-dir="+dir)
	var courses struct {
		Rows [][]string `json:"rows"`
	}
	if err := json.Unmarshal([]byte(coursesOut), &courses); err != nil {
		t.Fatalf("courses: %v\n%s", err, coursesOut)
	}
	names := map[string]string{}
	for _, r := range courses.Rows {
		names[r[0]] = r[1]
	}
	n := 0
	for _, rec := range recs {
		if len(rec) > 14 && rec[0] == "IV" {
			n++
			if rec[2] != names[rec[14]] || rec[2] == rec[14] || rec[2] == "" {
				t.Errorf("course row %q: name %q, the courses query says %q", rec, rec[2], names[rec[14]])
			}
		}
	}
	if n == 0 {
		t.Errorf("no course rows in the report:\n%s", out)
	}

	// `analytics query` takes the --area-type that `analytics queries`
	// lists (issue 22, item 9): only mountainous communes, fewer of them.
	count := func(args ...string) (n int, areas []string) {
		code, out, errOut := proctest.Run(t, nil, append([]string{"analytics", "query", "progress", "--to=2025-12", "--json", "--data-dir=" + dir}, args...)...)
		if code != 0 {
			t.Fatalf("analytics query progress %v: %d %s", args, code, errOut)
		}
		var res struct {
			Columns []string `json:"columns"`
			Rows    [][]any  `json:"rows"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Rows {
			areas = append(areas, fmt.Sprint(r[2]))
		}
		return len(res.Rows), areas
	}
	all, _ := count()
	n, areas := count("--area-type=mountainous")
	if n == 0 || n >= all {
		t.Errorf("--area-type=mountainous gave %d of %d rows", n, all)
	}
	for _, a := range areas {
		if !strings.Contains(a, "mountainous") {
			t.Errorf("--area-type=mountainous gave a row of %q", a)
		}
	}

	html := filepath.Join(t.TempDir(), "phu-luc.html")
	if code, _, errOut := proctest.Run(t, nil, "report", "commune", "21121", "--year=2025", "--format=html", "--lang=en", "--out="+html, "--data-dir="+dir); code != 0 {
		t.Fatalf("report html: %d %s", code, errOut)
	}
	page, _ := os.ReadFile(html)
	for _, want := range []string{`<html lang="en">`, "Tịnh Khê", "Citizens (adults)", "@page"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if code, _, _ := proctest.Run(t, nil, "report", "commune", "21121", "--year=2031", "--data-dir="+dir); code == 0 {
		t.Error("a report of a year that has not started succeeded")
	}
}

func TestReportCommuneThroughAPI(t *testing.T) {
	dir := reportData(t)
	p := proctest.Start(t, []string{"HOCVU_API_KEY=" + e2eKey, "HOCVU_API_SECRET=" + e2eSecret}, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if err := p.WaitReady(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := proctest.Run(t, []string{"HOCVU_API_KEY=" + e2eKey, "HOCVU_API_SECRET=" + e2eSecret},
		"report", "commune", "21121", "--year=2025", "--url="+p.URL(), "--data-dir="+dir)
	if code != 0 || !strings.Contains(out, "Tịnh Khê") {
		t.Fatalf("report through the API: %d\n%s\n%s", code, out, errOut)
	}
	// Course names come through the API as well, in each language.
	if !strings.Contains(out, "Kỹ năng số cơ bản") {
		t.Errorf("report through the API without the Vietnamese course names:\n%s", out)
	}
	_, out, _ = proctest.Run(t, []string{"HOCVU_API_KEY=" + e2eKey, "HOCVU_API_SECRET=" + e2eSecret},
		"report", "commune", "21121", "--year=2025", "--lang=en", "--url="+p.URL(), "--data-dir="+dir)
	if !strings.Contains(out, "Digital skills basics") {
		t.Errorf("report through the API without the English course names:\n%s", out)
	}
}

func TestUsersCommands(t *testing.T) {
	dir := t.TempDir()
	// Reference data, so that commune codes are checked.
	if code, out, errOut := proctest.Run(t, nil, "simulate", "--mode=bulk", "--data-dir="+dir, "--learners=20", "--to=2025-06-30", "--no-progress"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := proctest.Run(t, nil, "users", "add", "tinh", "--role=province", "--data-dir="+dir)
	if code != 0 || !strings.Contains(out, "password: ") {
		t.Fatalf("users add: %d\n%s\n%s", code, out, errOut)
	}
	for _, bad := range [][]string{
		{"users", "add", "tinh", "--role=province"},                  // exists
		{"users", "add", "xa", "--role=commune"},                     // no commune
		{"users", "add", "xa", "--role=commune", "--commune=99999"},  // unknown commune
		{"users", "add", "xa", "--role=province", "--commune=21121"}, // province with a commune
		{"users", "add", "Bad Name", "--role=province"},              // invalid name
		{"users", "passwd", "nobody"},                                // unknown
		{"users", "remove", "nobody"},                                // unknown
		{"users", "display-name", "nobody", "X"},                     // unknown
		{"users", "display-name", "tinh", "tab\there"},               // control character
	} {
		if code, _, _ := proctest.Run(t, nil, append(bad, "--data-dir="+dir)...); code == 0 {
			t.Errorf("hocvu %s succeeded", strings.Join(bad, " "))
		}
	}
	cmd := exec.Command(proctest.Binary(t), "users", "add", "tinhkhe", "--role=commune", "--commune=21121", "--password-stdin", "--data-dir="+dir)
	cmd.Stdin = strings.NewReader("mat-khau-xa-2025\n")
	if b, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(b), "password:") {
		t.Fatalf("users add --password-stdin: %v\n%s", err, b)
	}
	cmd = exec.Command(proctest.Binary(t), "users", "add", "short", "--role=province", "--password-stdin", "--data-dir="+dir)
	cmd.Stdin = strings.NewReader("short\n")
	if err := cmd.Run(); err == nil {
		t.Error("a too-short password was accepted")
	}
	_, out, _ = proctest.Run(t, nil, "users", "list", "--data-dir="+dir)
	if !strings.Contains(out, "tinhkhe  commune   21121") || !strings.Contains(out, "tinh     province") || strings.Contains(out, "$2a$") {
		t.Errorf("users list:\n%s", out)
	}
	// The display name changes without touching the password.
	if code, out, errOut := proctest.Run(t, nil, "users", "display-name", "tinhkhe", "UBND xã Tịnh Khê", "--data-dir="+dir); code != 0 {
		t.Fatalf("users display-name: %d\n%s\n%s", code, out, errOut)
	}
	if _, out, _ = proctest.Run(t, nil, "users", "list", "--data-dir="+dir); !strings.Contains(out, "UBND xã Tịnh Khê") {
		t.Errorf("users list after display-name:\n%s", out)
	}
	if code, out, _ := proctest.Run(t, nil, "users", "passwd", "tinhkhe", "--data-dir="+dir); code != 0 || !strings.Contains(out, "password: ") {
		t.Errorf("users passwd: %d %s", code, out)
	}
	if code, _, _ := proctest.Run(t, nil, "users", "remove", "tinhkhe", "--data-dir="+dir); code != 0 {
		t.Error("users remove failed")
	}
	if _, out, _ := proctest.Run(t, nil, "users", "list", "--data-dir="+dir); strings.Contains(out, "tinhkhe") {
		t.Errorf("removed user still listed:\n%s", out)
	}
}
