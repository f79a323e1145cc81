package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/internal/proctest"
	"github.com/hocvu/hocvu/lrs/xapi"
)

var simCreds = []string{"HOCVU_API_KEY=sim-key", "HOCVU_API_SECRET=sim-secret"}

// simServe starts `hocvu serve` on dir with the embedded analytics engine
// when this build has one, else on a ClickHouse server of its own.
func simServe(t *testing.T, dir string) *proctest.Process {
	t.Helper()
	env := append([]string{}, simCreds...)
	code, _, errOut := proctest.Run(t, nil, "analytics", "migrate", "--data-dir", filepath.Join(t.TempDir(), "probe"))
	if code != 0 {
		if !strings.Contains(errOut, "no analytics engine") {
			t.Fatalf("analytics migrate: %s", errOut)
		}
		env = append(env, "HOCVU_CLICKHOUSE_URL="+chtest.Start(t).DSN("hocvu_sim"))
	}
	p := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if err := p.WaitReady(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	return p
}

// simGet GETs a JSON resource of the server with the test credentials.
func simGet(t *testing.T, p *proctest.Process, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", p.URL()+path, nil)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth("sim-key", "sim-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

type simResult struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// waitSummary polls the analytics summary until its lesson completions
// reach want.
func waitSummary(t *testing.T, p *proctest.Process, want int) simResult {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var res simResult
		simGet(t, p, "/api/analytics/summary", &res)
		if len(res.Rows) == 1 && res.Columns[2] == "lesson_completions" && res.Rows[0][2] == float64(want) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("analytics summary %v %v, want %d lesson completions", res.Columns, res.Rows, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// simNumber extracts the number after label in the simulator's report.
func simNumber(t *testing.T, out, label string) int {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(label) + ` (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in:\n%s", label, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestSimulateHTTP posts a small simulated campaign through the real xAPI
// API of a real server: every POST is answered 200 (no retry), and the
// analytics count what the simulator generated.
func TestSimulateHTTP(t *testing.T) {
	dir := t.TempDir()
	p := simServe(t, dir)
	ref := filepath.Join(t.TempDir(), "ref")
	code, out, errOut := proctest.Run(t, simCreds, "simulate", "--mode", "http", "--url", p.URL(), "--learners", "120",
		"--batch", "50", "--concurrency", "3", "--seed", "5", "--reference-out", ref)
	if code != 0 {
		t.Fatalf("simulate: exit %d\n%s\n%s", code, out, errOut)
	}
	statements := simNumber(t, out, "learners (120 active),")
	if !strings.Contains(out, fmt.Sprintf("posted %d statements", statements)) || !strings.Contains(out, "(0 retries)") {
		t.Fatalf("simulate output:\n%s", out)
	}
	if !strings.Contains(errOut, "posting") {
		t.Errorf("no progress bar on stderr:\n%s", errOut)
	}
	lessons := simNumber(t, out, "lesson completions")
	sum := waitSummary(t, p, lessons)
	if sum.Rows[0][0] != float64(statements) {
		t.Errorf("analytics has %v statements, the simulator posted %d", sum.Rows[0][0], statements)
	}
	// The statements come back from the API as stored.
	var page struct {
		Statements []map[string]any `json:"statements"`
	}
	simGet(t, p, "/xapi/statements?limit=5", &page)
	if len(page.Statements) != 5 {
		t.Fatalf("GET /xapi/statements: %d statements", len(page.Statements))
	}
	for _, st := range page.Statements {
		if ps := xapi.ValidateStatement(xapi.V200, st); len(ps) > 0 {
			t.Errorf("stored statement: %v", ps)
		}
	}
	for _, f := range []string{"communes.csv", "learners.csv", "reference.json"} {
		if _, err := os.Stat(filepath.Join(ref, f)); err != nil {
			t.Errorf("--reference-out: %v", err)
		}
	}
	// While serve runs, the embedded store is locked: the CLI says so.
	code, _, errOut = proctest.Run(t, nil, "reference", "load", filepath.Join(ref, "reference.json"), "--data-dir", dir)
	if code == 0 || !strings.Contains(errOut, "hocvu serve") {
		t.Errorf("reference load while serving: exit %d\n%s", code, errOut)
	}
}

// TestSimulateBulk writes a campaign straight into the event store (with
// its reference data), then serves it: the read models rebuild from the
// log and the integrity signals find the box-ticking accounts.
func TestSimulateBulk(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := proctest.Run(t, nil, "simulate", "--mode", "bulk", "--data-dir", dir, "--learners", "2000", "--seed", "3", "--append-size", "3000")
	if code != 0 {
		t.Fatalf("simulate: exit %d\n%s\n%s", code, out, errOut)
	}
	statements := simNumber(t, out, "learners (2000 active),")
	if !strings.Contains(out, fmt.Sprintf("appended %d statements", statements)) || !strings.Contains(out, "learners          100 rows") {
		t.Fatalf("simulate output:\n%s", out)
	}
	// Running it again resumes: nothing left to append.
	code, out2, errOut := proctest.Run(t, nil, "simulate", "--mode", "bulk", "--data-dir", dir, "--learners", "2000", "--seed", "3", "--no-progress")
	if code != 0 || !strings.Contains(out2, fmt.Sprintf("resumed: %d statements were already in the log", statements)) || !strings.Contains(out2, "appended 0 statements") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out2, errOut)
	}
	refOut, _ := refRun(t, 0, "reference", "show", "--data-dir", dir)
	if !strings.Contains(refOut, "learners     100") {
		t.Errorf("reference show:\n%s", refOut)
	}
	p := simServe(t, dir)
	lessons := simNumber(t, out, "lesson completions")
	sum := waitSummary(t, p, lessons)
	if sum.Rows[0][0] != float64(statements) {
		t.Errorf("analytics has %v statements, the simulator wrote %d", sum.Rows[0][0], statements)
	}
	var bursts simResult
	simGet(t, p, "/api/analytics/bursts", &bursts)
	learners := map[any]bool{}
	for _, r := range bursts.Rows {
		learners[r[2]] = true
	}
	if want := simNumber(t, out, "box-ticking accounts: 20 fast,"); len(learners) != want {
		t.Errorf("bursts found %d accounts, the simulator made %d", len(learners), want)
	}
	var fast simResult
	simGet(t, p, "/api/analytics/fast_completions", &fast)
	total := 0.0
	for _, r := range fast.Rows {
		total += r[3].(float64)
	}
	if total < 20*10 {
		t.Errorf("fast_completions found %v fast completions", total)
	}
	var page struct {
		Statements []map[string]any `json:"statements"`
	}
	simGet(t, p, "/xapi/statements?limit=3", &page)
	if len(page.Statements) != 3 {
		t.Errorf("GET /xapi/statements: %d statements", len(page.Statements))
	}
}

// TestSimulateDeterministic: the same seed prints the same statements;
// another seed does not.
func TestSimulateDeterministic(t *testing.T) {
	dir := t.TempDir()
	run := func(name string, seed string) []byte {
		path := filepath.Join(dir, name)
		code, out, errOut := proctest.Run(t, nil, "simulate", "--mode", "ndjson", "--learners", "60", "--seed", seed, "--out", path, "--no-progress")
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := run("a", "9"), run("b", "9"), run("c", "10")
	if !bytes.Equal(a, b) {
		t.Error("the same seed printed different statements")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds printed the same statements")
	}
	sc := bufio.NewScanner(bytes.NewReader(a))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		doc, err := xapi.Decode(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if ps := xapi.ValidateStatement(xapi.V200, doc); len(ps) > 0 {
			t.Fatalf("line %d: %v", n+1, ps)
		}
		n++
	}
	if n < 300 {
		t.Errorf("%d statements for 60 learners", n)
	}
}

func TestSimulateFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate"}, "missing flags: --mode"},
		{[]string{"simulate", "--mode", "bulk", "--to", "2999-01-01"}, "is not in the past"},
		{[]string{"simulate", "--mode", "dry-run", "--from", "2025-13-01"}, "--from"},
		{[]string{"simulate", "--mode", "dry-run", "--scale", "0"}, "--scale"},
	} {
		code, out, errOut := proctest.Run(t, nil, append(c.args, "--data-dir", t.TempDir())...)
		if code == 0 || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%v: exit %d, want an error with %q:\n%s%s", c.args, code, c.want, out, errOut)
		}
	}
}
