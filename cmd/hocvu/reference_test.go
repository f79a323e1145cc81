package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/internal/proctest"
)

// refRun runs hocvu and fails the test unless it exits with code want.
func refRun(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := proctest.Run(t, nil, args...)
	if code != want {
		t.Fatalf("hocvu %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out, errOut
}

func TestReferenceTemplateLoadShow(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tmpl := filepath.Join(dir, "tmpl")
	refRun(t, 0, "reference", "template", tmpl)
	files, _ := filepath.Glob(filepath.Join(tmpl, "*.csv"))
	if len(files) != 6 {
		t.Fatalf("template wrote %v", files)
	}
	out, _ := refRun(t, 0, append([]string{"reference", "load", "--data-dir", data}, files...)...)
	if !strings.Contains(out, "appended 6 event(s)") {
		t.Errorf("load output:\n%s", out)
	}
	out, _ = refRun(t, 0, append([]string{"reference", "load", "--data-dir", data}, files...)...)
	if !strings.Contains(out, "nothing changed") {
		t.Errorf("second load output:\n%s", out)
	}
	out, _ = refRun(t, 0, "reference", "show", "--data-dir", data)
	if !strings.Contains(out, "province 51 Quảng Ngãi") || !strings.Contains(out, "learners     2") {
		t.Errorf("summary:\n%s", out)
	}
	// show --format csv prints what was loaded, in the loadable form.
	out, _ = refRun(t, 0, "reference", "show", "communes", "--data-dir", data, "--format", "csv")
	want, _ := os.ReadFile(filepath.Join(tmpl, "communes.csv"))
	if out != string(want) {
		t.Errorf("show communes --format csv:\n%s\nwant:\n%s", out, want)
	}
	out, _ = refRun(t, 0, "reference", "show", "--data-dir", data, "--format", "json")
	d, err := reference.ParseJSON("show.json", strings.NewReader(out))
	if err != nil || len(d.Kinds()) != 6 || len(d.Learners) != 2 {
		t.Errorf("show --format json: %v, kinds %v", err, d.Kinds())
	}
	out, _ = refRun(t, 0, "reference", "show", "teams", "--data-dir", data)
	if !strings.Contains(out, "TCN-21121-01") {
		t.Errorf("show teams:\n%s", out)
	}
	// The whole default province.
	out, _ = refRun(t, 0, "reference", "load", "--default", "--data-dir", filepath.Join(dir, "data2"))
	if !strings.Contains(out, "communes           96 rows") || !strings.Contains(out, "teams            1477 rows") {
		t.Errorf("load --default:\n%s", out)
	}
}

func TestReferenceLoadReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "communes.csv")
	if err := os.WriteFile(bad, []byte("province_code,province_name,code,name,kind,district,areas\n"+
		"51,Quảng Ngãi,21100,Cẩm Thành,ward,,urban\n"+
		"51,Quảng Ngãi,2112,Tịnh Khê,xa,,rural;nui\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	teams := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(teams, []byte("id,commune,name,members\nT-1,21100,Tổ 1,mười\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut := refRun(t, 1, "reference", "load", "--data-dir", filepath.Join(dir, "data"), bad, teams)
	for _, want := range []string{
		bad + `:3:3: code: "2112" is not a 5-digit GSO commune code`,
		bad + `:3:5: kind: "xa" is not one of`,
		bad + `:3:7: areas: "nui" is not one of`,
		teams + `:2:4: members: "mười" is not a whole number`,
		"reference data rejected: 4 problem(s)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	out, _ := refRun(t, 0, "reference", "show", "--data-dir", filepath.Join(dir, "data"))
	if strings.Count(out, "never") != 6 {
		t.Errorf("something was loaded:\n%s", out)
	}
	// --check validates without loading.
	good := filepath.Join(dir, "tmpl")
	refRun(t, 0, "reference", "template", good)
	out, _ = refRun(t, 0, "reference", "load", "--check", "--data-dir", filepath.Join(dir, "data"), filepath.Join(good, "communes.csv"))
	if !strings.Contains(out, "reference data is valid: 3 communes") {
		t.Errorf("--check:\n%s", out)
	}
}

// TestReferenceLoadWhileLocked: with the embedded store, the data
// directory is locked by the process that has it open ('hocvu serve');
// the error says so.
func TestReferenceLoadWhileLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := pebblestore.Open(filepath.Join(dir, "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, errOut := refRun(t, 1, "reference", "load", "--default", "--data-dir", dir)
	if !strings.Contains(errOut, "hocvu serve") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// TestReferenceLoadSealsAClearDirectory: a learner directory loaded in
// clear before sealing was turned on stays in clear until it is loaded
// again (a load of other kinds warns); with sealing on the next load of
// the learners writes the sealed form, which 'reference show' opens with
// the keyring and, with sealing off, shows as sealed and leaves out of
// its loadable output.
func TestReferenceLoadSealsAClearDirectory(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tmpl := filepath.Join(dir, "tmpl")
	refRun(t, 0, "reference", "template", tmpl)
	files, _ := filepath.Glob(filepath.Join(tmpl, "*.csv"))
	refRun(t, 0, append([]string{"reference", "load", "--data-dir", data}, files...)...)
	sealed := []string{"HOCVU_SEAL_PERSONAL_DATA=true"}
	learners := filepath.Join(tmpl, "learners.csv")
	run := func(env []string, want int, args ...string) (string, string) {
		t.Helper()
		code, out, errOut := proctest.Run(t, env, append(args, "--data-dir", data)...)
		if code != want {
			t.Fatalf("hocvu %v: exit %d, want %d\n%s%s", args, code, want, out, errOut)
		}
		return out, errOut
	}
	_, errOut := run(sealed, 0, "reference", "load", "--force", filepath.Join(tmpl, "targets.csv"))
	if !strings.Contains(errOut, "loaded in clear") {
		t.Errorf("no warning that the directory is still in clear:\n%s", errOut)
	}
	out, _ := run(sealed, 0, "reference", "load", learners)
	if !strings.Contains(out, "appended 1 event(s)") {
		t.Errorf("the clear directory was not sealed by a load with sealing on:\n%s", out)
	}
	out, _ = run(sealed, 0, "reference", "load", learners)
	if !strings.Contains(out, "nothing changed") {
		t.Errorf("a second sealed load of the same directory:\n%s", out)
	}
	out, _ = run(sealed, 0, "reference", "show", "learners")
	if !strings.Contains(out, "hv0000001") || !strings.Contains(out, "hv0000002") {
		t.Errorf("show learners with the keyring:\n%s", out)
	}
	out, _ = run(nil, 0, "reference", "show", "learners")
	if strings.Contains(out, "hv0000001") || strings.Count(out, "(sealed)") != 2 {
		t.Errorf("show learners with sealing off:\n%s", out)
	}
	out, errOut = run(nil, 0, "reference", "show", "learners", "--format", "csv")
	if strings.Contains(out, "hv00000") || !strings.Contains(errOut, "left out") {
		t.Errorf("show learners --format csv with sealing off:\n%s%s", out, errOut)
	}
	out, _ = run(sealed, 0, "reference", "show", "learners", "--format", "csv")
	d, err := reference.ParseCSV("learners.csv", strings.NewReader(out), reference.KindLearners)
	if err != nil || len(d.Learners) != 2 {
		t.Errorf("show learners --format csv with the keyring: %v\n%s", err, out)
	}
}
