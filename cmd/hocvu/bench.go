package main

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hocvu/hocvu/campaign/simulate"
)

// benchCmd loads a simulated campaign, then measures what the campaign
// cares about on this machine and prints a markdown report for
// docs/benchmarks.md. It runs the real binary for every role (simulate,
// serve, projections rebuild) as child processes, like production.
type benchCmd struct {
	analyticsConfig `embed:""`
	DataDir         string `name:"data-dir" placeholder:"DIR" help:"Where to build the campaign (default: a new temporary directory, removed afterwards unless --keep)."`
	Keep            bool   `name:"keep" help:"Keep the data directory."`
	Learners        int    `name:"learners" default:"400000" help:"Learners of the simulated campaign (400,000 gives about 1.6M lesson completions and 4.5M statements)."`
	Seed            uint64 `name:"seed" default:"7" help:"Campaign seed."`
	Ingest          int    `name:"ingest" default:"50000" help:"Statements to POST through the HTTP API for the ingest measurement."`
	Clients         int    `name:"clients" default:"16" help:"Concurrent HTTP clients for the ingest measurement."`
	Batch           int    `name:"batch" default:"100" help:"Statements per POST for the ingest measurement."`
	Runs            int    `name:"runs" default:"30" help:"Runs of each query for the latency percentiles."`
	Out             string `name:"out" placeholder:"FILE" help:"Also write the markdown report to FILE."`
}

const benchKey, benchSecret = "bench", "bench-secret-bench"

type benchRow struct{ what, value, note string }

func (c *benchCmd) Run(ctx context.Context, g *globals) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir := c.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hocvu-bench-*"); err != nil {
			return err
		}
		if !c.Keep {
			defer os.RemoveAll(dir)
		}
	}
	var rows []benchRow
	add := func(what, value, note string) {
		rows = append(rows, benchRow{what, value, note})
		fmt.Fprintf(g.stderr, "  %s: %s %s\n", what, value, note)
	}
	engine := "duckdb"
	extra := []string{"--data-dir=" + dir, "--pseudonym-key=" + randomHex(32)}
	if c.ClickHouse != "" {
		engine = "clickhouse"
		extra = append(extra, "--clickhouse="+c.ClickHouse)
	}

	// 1. Load the campaign straight into the event store.
	step(g, "loading a campaign of %d learners (hocvu simulate --mode bulk)", c.Learners)
	start := time.Now()
	out, err := runChild(ctx, self, g, append([]string{"simulate", "--mode=bulk", fmt.Sprintf("--learners=%d", c.Learners), fmt.Sprintf("--seed=%d", c.Seed), "--data-dir=" + dir}, "--log-level=warn")...)
	if err != nil {
		return fmt.Errorf("simulate: %w\n%s", err, out)
	}
	loadTime := time.Since(start)
	statements := countStatements(out)
	add("bulk load (simulate --mode bulk)", fmt.Sprintf("%s statements in %s", human(statements), loadTime.Round(time.Second)),
		fmt.Sprintf("%s statements/s into the embedded store", human(int64(float64(statements)/loadTime.Seconds()))))

	// 2. Serve: read models catch up from the log.
	step(g, "starting hocvu serve on the loaded log (%s analytics)", engine)
	start = time.Now()
	srv, err := startChild(ctx, self, g, append([]string{"serve", "--listen=127.0.0.1:0", "--max-page=500"}, extra...),
		"HOCVU_API_KEY="+benchKey, "HOCVU_API_SECRET="+benchSecret)
	if err != nil {
		return err
	}
	defer srv.stop()
	caught, err := waitCaughtUp(ctx, srv.url, 60*time.Minute)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(caught) {
		d := caught[name]
		add("catch-up of "+name+" (from an empty read model, all projections at once)", d.Round(time.Second).String(),
			fmt.Sprintf("%s events/s", human(int64(float64(statements)/d.Seconds()))))
	}
	_ = start

	// 3. Ingest over HTTP.
	step(g, "posting %d statements over HTTP (%d clients, batches of %d)", c.Ingest, c.Clients, c.Batch)
	cfg := simulate.DefaultConfig()
	cfg.Seed, cfg.Learners = c.Seed+1000, max(c.Ingest/10, 100)
	camp, err := simulate.Generate(ctx, cfg, simulate.Authority("https://hocvu.local/", benchKey))
	if err != nil {
		return err
	}
	posted, postTime, err := postSome(ctx, camp, srv.url, c.Ingest, c.Clients, c.Batch)
	if err != nil {
		return err
	}
	add(fmt.Sprintf("ingest over HTTP (POST, batches of %d, %d clients)", c.Batch, c.Clients), fmt.Sprintf("%s statements/s", human(int64(float64(posted)/postTime.Seconds()))),
		fmt.Sprintf("%d statements in %s, validation, fsync and index included", posted, postTime.Round(time.Millisecond)))
	lagStart := time.Now()
	if _, err := waitCaughtUp(ctx, srv.url, 10*time.Minute); err != nil {
		return err
	}
	add("analytics lag after the ingest", time.Since(lagStart).Round(time.Millisecond).String(), "until every projection had applied the log's head")

	// 4. Query latencies.
	step(g, "measuring named queries and GET /xapi/statements (%d runs each)", c.Runs)
	for _, q := range []struct{ name, params string }{
		{"summary", "from=2025-10&to=2025-12"}, {"trend", ""}, {"by_commune", "from=2026-01&to=2026-12"}, {"by_group", ""},
		{"by_course", ""}, {"by_activity", "from=2025-10&to=2025-10"}, {"funnel", ""}, {"fast_completions", "from=2026-01&to=2026-03"},
		{"bursts", "from=2025-10&to=2025-10"}, {"progress", "to=2025-12"}, {"mentors", "commune=51001"}, {"teams", ""},
	} {
		p50, p95, p99, err := latency(ctx, srv.url+"/api/analytics/"+q.name+"?"+q.params, c.Runs)
		if err != nil {
			return err
		}
		add("query "+q.name+" "+q.params, fmt.Sprintf("p50 %s · p95 %s · p99 %s", p50, p95, p99), "")
	}
	sample, err := sampleStatement(ctx, srv.url)
	if err != nil {
		return err
	}
	for _, q := range []struct{ label, query string }{
		{"by id", "statementId=" + sample.id},
		{"by agent", "agent=" + url.QueryEscape(sample.agent)},
		{"by verb (page of 100)", "verb=" + url.QueryEscape("http://adlnet.gov/expapi/verbs/completed") + "&limit=100"},
		{"by activity", "activity=" + url.QueryEscape(sample.activity) + "&limit=100"},
		{"by agent and verb", "agent=" + url.QueryEscape(sample.agent) + "&verb=" + url.QueryEscape("http://adlnet.gov/expapi/verbs/completed")},
		{"unfiltered (page of 100)", "limit=100"},
	} {
		p50, p95, p99, err := latency(ctx, srv.url+"/xapi/statements?"+q.query, c.Runs)
		if err != nil {
			return err
		}
		add("GET /xapi/statements "+q.label, fmt.Sprintf("p50 %s · p95 %s · p99 %s", p50, p95, p99), "")
	}
	srv.stop()

	// 5. Rebuild the analytics alone.
	step(g, "rebuilding the analytics from the whole log (hocvu projections rebuild analytics)")
	start = time.Now()
	if out, err := runChild(ctx, self, g, append([]string{"projections", "rebuild", "analytics", "--log-level=warn"}, extra...)...); err != nil {
		return fmt.Errorf("rebuild: %w\n%s", err, out)
	}
	d := time.Since(start)
	add("analytics rebuild ("+engine+", alone)", d.Round(time.Second).String(), fmt.Sprintf("%s statements/s", human(int64(float64(statements+int64(posted))/d.Seconds()))))

	report := benchReport(c, engine, statements, rows)
	fmt.Fprint(g.stdout, report)
	if c.Out != "" {
		return os.WriteFile(c.Out, []byte(report), 0o644)
	}
	return nil
}

func step(g *globals, format string, args ...any) {
	fmt.Fprintf(g.stderr, "== "+format+"\n", args...)
}

func benchReport(c *benchCmd, engine string, statements int64, rows []benchRow) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "### hocvu bench — %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d CPUs (%s), %s/%s, %s. Hocvu %s. Campaign: %d learners (seed %d), %s statements; analytics on %s.\n\n",
		host, runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), buildVersion(), c.Learners, c.Seed, human(statements), engine)
	b.WriteString("| measurement | result | notes |\n| --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.what, r.value, r.note)
	}
	b.WriteString("\n")
	return b.String()
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if i := strings.Index(line, ":"); i >= 0 {
				return strings.TrimSpace(line[i+1:])
			}
		}
	}
	return "unknown CPU"
}

func human(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

var statementsRE = regexp.MustCompile(`(\d+) statements from`)

// countStatements reads the statement count simulate printed.
func countStatements(out string) int64 {
	var n int64
	if m := statementsRE.FindStringSubmatch(out); m != nil {
		fmt.Sscan(m[1], &n)
	}
	return n
}

func runChild(ctx context.Context, self string, g *globals, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, self, args...)
	var buf strings.Builder
	cmd.Stdout = io.MultiWriter(&buf, g.stderr)
	cmd.Stderr = io.MultiWriter(&buf, g.stderr)
	err := cmd.Run()
	return buf.String(), err
}

type child struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

func (c *child) stop() {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// startChild starts hocvu serve and waits for its address.
func startChild(ctx context.Context, self string, g *globals, args []string, env ...string) (*child, error) {
	cmd := exec.Command(self, append([]string{"--log-format=json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				if rec["msg"] == "hocvu serving" {
					a, _ := rec["addr"].(string)
					addr <- a
				}
				if lvl, _ := rec["level"].(string); lvl == "ERROR" || lvl == "WARN" {
					fmt.Fprintln(g.stderr, sc.Text())
				}
			}
		}
		_ = cmd.Wait()
		close(c.done)
	}()
	select {
	case c.url = <-addr:
		return c, nil
	case <-c.done:
		return nil, errors.New("hocvu serve exited before serving")
	case <-time.After(5 * time.Minute):
		c.stop()
		return nil, errors.New("hocvu serve did not start within 5 minutes")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

// waitCaughtUp polls /api/projections until every projection is at the
// head, and returns how long each took from the call.
func waitCaughtUp(ctx context.Context, base string, timeout time.Duration) (map[string]time.Duration, error) {
	start := time.Now()
	done := map[string]time.Duration{}
	for {
		var st struct {
			Projections []struct {
				Name   string `json:"name"`
				Behind uint64 `json:"behind"`
			} `json:"projections"`
		}
		res, err := http.Get(base + "/api/projections")
		if err == nil {
			err = json.NewDecoder(res.Body).Decode(&st)
			res.Body.Close()
		}
		if err != nil {
			return nil, err
		}
		all := true
		for _, p := range st.Projections {
			if p.Behind == 0 {
				if _, ok := done[p.Name]; !ok {
					done[p.Name] = time.Since(start)
				}
			} else {
				all = false
			}
		}
		if all && len(st.Projections) > 0 {
			return done, nil
		}
		if time.Since(start) > timeout {
			return nil, fmt.Errorf("projections not caught up after %s: %+v", timeout, st.Projections)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// postSome posts the first n statements of camp and times it.
func postSome(ctx context.Context, camp *simulate.Campaign, base string, n, clients, batch int) (int, time.Duration, error) {
	n = min(n, camp.Len())
	bodies := make([][]byte, 0, n/batch+1)
	for i := 0; i < n; i += batch {
		b := []byte{'['}
		for j := i; j < min(i+batch, n); j++ {
			if j > i {
				b = append(b, ',')
			}
			b = camp.Append(b, j, simulate.FormSend)
		}
		bodies = append(bodies, append(b, ']'))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}
	work := make(chan []byte)
	errc := make(chan error, clients)
	start := time.Now()
	for w := 0; w < clients; w++ {
		go func() {
			for body := range work {
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/xapi/statements", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Experience-API-Version", "2.0.0")
				req.SetBasicAuth(benchKey, benchSecret)
				res, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						err = fmt.Errorf("POST answered %d", res.StatusCode)
					}
				}
				if err != nil {
					errc <- err
					for range work {
					}
					return
				}
			}
			errc <- nil
		}()
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	for w := 0; w < clients; w++ {
		if err := <-errc; err != nil {
			return 0, 0, err
		}
	}
	return n, time.Since(start), nil
}

// latency GETs url runs times (after one warm-up) and returns p50, p95,
// p99.
func latency(ctx context.Context, u string, runs int) (time.Duration, time.Duration, time.Duration, error) {
	get := func() (time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		req.SetBasicAuth(benchKey, benchSecret)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return 0, fmt.Errorf("GET %s: %d", u, res.StatusCode)
		}
		return time.Since(start), nil
	}
	if _, err := get(); err != nil {
		return 0, 0, 0, err
	}
	ds := make([]time.Duration, runs)
	for i := range ds {
		d, err := get()
		if err != nil {
			return 0, 0, 0, err
		}
		ds[i] = d
	}
	p50, p95, p99 := percentiles(ds)
	return p50, p95, p99, nil
}

// percentiles returns the p50, p95 and p99 of ds (sorted in place),
// rounded to 0.1 ms.
func percentiles(ds []time.Duration) (p50, p95, p99 time.Duration) {
	slices.Sort(ds)
	pct := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(100 * time.Microsecond)
	}
	return pct(0.50), pct(0.95), pct(0.99)
}

type sampled struct{ id, agent, activity string }

// sampleStatement picks a stored lesson completion to query by.
func sampleStatement(ctx context.Context, base string) (sampled, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/xapi/statements?limit=50&verb="+url.QueryEscape("http://adlnet.gov/expapi/verbs/completed"), nil)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth(benchKey, benchSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return sampled{}, err
	}
	defer res.Body.Close()
	var page struct {
		Statements []map[string]any `json:"statements"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || len(page.Statements) == 0 {
		return sampled{}, fmt.Errorf("no statement to sample (%v)", err)
	}
	st := page.Statements[rand.IntN(len(page.Statements))]
	actor, _ := json.Marshal(map[string]any{"account": st["actor"].(map[string]any)["account"]})
	obj, _ := st["object"].(map[string]any)
	return sampled{id: st["id"].(string), agent: string(actor), activity: fmt.Sprint(obj["id"])}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// randomHex returns n random bytes in hex (a throwaway key).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}
