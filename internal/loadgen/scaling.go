package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// statementsPerLearner is how many statements the simulated campaign
// makes per learner (400,000 learners make 4,530,505 statements, 250,000
// make 2,827,903): a scaling run asks simulate for size ÷ this many
// learners to reach a size, and reports the count it got.
const statementsPerLearner = 11.3

// sizeResult is what a scaling run measured at one store size.
type sizeResult struct {
	Size     int64         // asked for
	Stored   int64         // statements bulk-loaded (before the ingest)
	Load     time.Duration // the bulk load
	Reused   bool          // the bulk load of an earlier run (Config.Reuse); CatchUp resumed
	CatchUp  time.Duration // from serve's start until every projection had applied the log
	Slowest  string        // the projection that caught up last
	Ingested int           // statements POSTed
	Ingest   time.Duration // their POSTs
	Lag      time.Duration // until every projection had applied them
	PeakRSS  int64         // sampled VmRSS peak during the ingest and the queries
	HWM      int64         // VmHWM at the end: the peak of the whole serve, catch-up included
	Disk     diskUsage     // after serve stopped
	Gets     []getLatency  // GET /xapi/statements, in the order of statementQueries
	// ReadAmp is the statement index's read amplification just after Gets
	// were measured, and SettledReadAmp once its compactions had settled
	// (read when HasReadAmp).
	ReadAmp, SettledReadAmp float64
	HasReadAmp              bool
	// Settle is how long the compactions took to settle after Gets
	// (Settled false: still going at Config.Settle), SettledGets the GETs
	// measured then; none when Config.Settle is 0.
	Settle      time.Duration
	Settled     bool
	SettledGets []getLatency
}

// getLatency is one GET /xapi/statements query's latency (ok false: the
// query could not be made at this size, e.g. no more page).
type getLatency struct {
	label    string
	p50, p95 time.Duration
	ok       bool
}

// runScaling measures at every size of cfg.Sizes, in increasing order.
// Each size is bulk-loaded into a new data directory (a subdirectory of
// the run's directory, removed after its measurement unless Keep): bulk
// load only appends statements stored before the log's last one, and the
// ingest of the previous size stored its statements at the present time,
// so a log cannot be grown by bulk load after an ingest.
func runScaling(ctx context.Context, cfg Config, root string, extra []string, engine string) (string, error) {
	b := &bench{cfg: cfg, log: cfg.Progress, engine: engine}
	var results []sizeResult
	for _, size := range cfg.Sizes {
		dir := filepath.Join(root, "size-"+sizeLabel(size))
		b.dir, b.extra = dir, append([]string{"--data-dir=" + dir}, extra...)
		b.step("store size %s: %s", sizeLabel(size), dir)
		r, err := b.measureSize(ctx, size)
		if err != nil {
			return "", fmt.Errorf("size %s: %w", sizeLabel(size), err)
		}
		results = append(results, r)
		fmt.Fprint(b.log, scalingTables(results))
		if !cfg.Keep {
			if err := os.RemoveAll(dir); err != nil {
				return "", err
			}
		}
	}
	return scalingReport(scalingHeader{Time: time.Now(), Version: cfg.Version, Seed: cfg.Seed, Engine: engine,
		Ingest: cfg.Ingest, Clients: cfg.Clients, Batch: cfg.Batch, Runs: cfg.Runs}, results), nil
}

// measureSize loads size statements into b.dir, serves them and measures.
func (b *bench) measureSize(ctx context.Context, size int64) (sizeResult, error) {
	r := sizeResult{Size: size}
	if size > 0 && b.cfg.Reuse {
		if m, ok := readBulkLoad(b.dir); ok && m.Size == size && m.Seed == b.cfg.Seed {
			r.Load, r.Stored, r.Reused = time.Duration(m.LoadSeconds*float64(time.Second)), m.Stored, true
			b.step("reusing %s statements bulk-loaded by an earlier run in %s", human(r.Stored), r.Load.Round(time.Second))
		}
	}
	if size > 0 && !r.Reused {
		learners := int(math.Ceil(float64(size) / statementsPerLearner))
		b.step("bulk loading about %s statements (%d learners, hocvu simulate --mode bulk)", human(size), learners)
		start := time.Now()
		out, err := runChild(ctx, b.cfg.Binary, b.log, "simulate", "--mode=bulk", fmt.Sprintf("--learners=%d", learners),
			fmt.Sprintf("--seed=%d", b.cfg.Seed), "--data-dir="+b.dir, "--log-level=warn", "--no-progress")
		if err != nil {
			return r, fmt.Errorf("simulate: %w\n%s", err, out)
		}
		r.Load, r.Stored = time.Since(start), countStatements(out)
		b.step("loaded %s statements in %s", human(r.Stored), r.Load.Round(time.Second))
		if err := writeBulkLoad(b.dir, bulkLoad{Size: size, Seed: b.cfg.Seed, Stored: r.Stored, LoadSeconds: r.Load.Seconds()}); err != nil {
			return r, err
		}
	} else if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return r, err
	}
	b.step("starting hocvu serve (%s analytics) and waiting for its read models", b.engine)
	start := time.Now()
	srv, err := startServe(ctx, b.cfg.Binary, b.log, append([]string{"serve", "--listen=127.0.0.1:0", "--max-page=500"}, b.extra...),
		"HOCVU_API_KEY="+benchKey, "HOCVU_API_SECRET="+benchSecret)
	if err != nil {
		return r, err
	}
	defer srv.stop()
	timeout := b.cfg.CatchUpTimeout
	if timeout <= 0 {
		timeout = 2 * time.Hour
	}
	caught, err := waitCaughtUpLogging(ctx, srv.url, timeout, b.log)
	if err != nil {
		return r, err
	}
	r.CatchUp = time.Since(start)
	for _, name := range sortedKeys(caught) {
		d := caught[name]
		b.add("catch-up of "+name, d.Round(time.Second).String(), "")
		if r.Slowest == "" || d > caught[r.Slowest] || d == caught[r.Slowest] && name < r.Slowest {
			r.Slowest = name
		}
	}
	b.step("caught up in %s (slowest: %s)", r.CatchUp.Round(time.Second), r.Slowest)
	pid := srv.cmd.Process.Pid
	rss := sampleRSS(pid, 100*time.Millisecond)
	if err := b.ingest(ctx, srv.url); err != nil {
		rss.stop()
		return r, err
	}
	r.Ingested = b.posted
	r.Ingest, r.Lag = b.postTime, b.lag
	// One sampled statement for both rounds of GETs, so that they query
	// the same agent, activity and hour.
	sample, err := sampleStatement(ctx, srv.url)
	if err != nil {
		rss.stop()
		return r, err
	}
	if r.Gets, err = b.getLatencies(ctx, srv.url, sample); err != nil {
		rss.stop()
		return r, err
	}
	if err := b.settledGets(ctx, srv.url, sample, &r); err != nil {
		rss.stop()
		return r, err
	}
	r.PeakRSS = rss.stop()
	r.HWM, _ = procStatus(pid, "VmHWM")
	b.step("stopping hocvu serve")
	srv.stop()
	if r.Disk, err = measureDisk(b.dir); err != nil {
		return r, err
	}
	return r, nil
}

// settledGets waits (up to Config.Settle) for the compactions that the
// catch-up and the ingest left behind, then measures the GETs again: the
// first GETs run while the store still compacts, and the two together
// tell a query's own cost from the compactions' (or the read
// amplification they have not yet reduced).
func (b *bench) settledGets(ctx context.Context, base string, sample sampled, r *sizeResult) error {
	if b.cfg.Settle <= 0 {
		return nil
	}
	states, err := storageStates(ctx, base)
	if err != nil {
		return err
	}
	r.ReadAmp, r.HasReadAmp = states[indexStore].readAmp, true
	b.step("waiting for the compactions to settle (at most %s): %s", b.cfg.Settle, describeStates(states))
	start := time.Now()
	if states, r.Settled, err = waitSettled(ctx, base, b.cfg.Settle, b.log); err != nil {
		return err
	}
	r.Settle, r.SettledReadAmp = time.Since(start), states[indexStore].readAmp
	b.step("settled %v after %s: %s", r.Settled, r.Settle.Round(time.Second), describeStates(states))
	r.SettledGets, err = b.getLatencies(ctx, base, sample)
	return err
}

// indexStore is the statement index's name in the storage metrics.
const indexStore = "statement-index"

// waitCaughtUpLogging is waitCaughtUp with a progress line every 30 s
// (a catch-up of millions of events takes minutes).
func waitCaughtUpLogging(ctx context.Context, base string, timeout time.Duration, progress io.Writer) (map[string]time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if behind, err := projectionsBehind(ctx, base); err == nil {
					fmt.Fprintf(progress, "  catching up: %v behind\n", behind)
				}
			}
		}
	}()
	return waitCaughtUp(ctx, base, timeout)
}

// projectionsBehind is how many events each projection has yet to apply.
func projectionsBehind(ctx context.Context, base string) (map[string]uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/projections", nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var st struct {
		Projections []struct {
			Name   string `json:"name"`
			Behind uint64 `json:"behind"`
		} `json:"projections"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		return nil, err
	}
	m := map[string]uint64{}
	for _, p := range st.Projections {
		m[p.Name] = p.Behind
	}
	return m, nil
}

// getLatencies measures every query of the scaling mix, by the sampled
// statement.
func (b *bench) getLatencies(ctx context.Context, base string, sample sampled) ([]getLatency, error) {
	b.step("measuring GET /xapi/statements (%d runs each)", b.cfg.Runs)
	more, err := moreLink(ctx, base, "limit=100")
	if err != nil {
		return nil, err
	}
	var out []getLatency
	for _, q := range statementQueries(sample, true) {
		g := getLatency{label: q.label}
		u := base + "/xapi/statements?" + q.query
		if q.more {
			u = ""
			if more != "" {
				u = base + more
			}
		}
		if u != "" {
			if g.p50, g.p95, _, err = latency(ctx, u, b.cfg.Runs); err != nil {
				return nil, err
			}
			g.ok = true
			b.add("GET /xapi/statements "+q.label, fmt.Sprintf("p50 %s · p95 %s", g.p50, g.p95), "")
		}
		out = append(out, g)
	}
	return out, nil
}

// statementQuery is one GET /xapi/statements query of the mix.
type statementQuery struct {
	label, query string
	more         bool // follow the more link of the first unfiltered page instead
}

// statementQueries is the GET /xapi/statements mix: the single-size
// report's six, and with every filter (scaling runs) also a stored-time
// range, related agents and activities, and a more page.
func statementQueries(s sampled, everyFilter bool) []statementQuery {
	qs := []statementQuery{
		{label: "by id", query: "statementId=" + s.id},
		{label: "by agent", query: "agent=" + url.QueryEscape(s.agent)},
		{label: "by verb (page of 100)", query: "verb=" + url.QueryEscape(completed) + "&limit=100"},
		{label: "by activity", query: "activity=" + url.QueryEscape(s.activity) + "&limit=100"},
		{label: "by agent and verb", query: "agent=" + url.QueryEscape(s.agent) + "&verb=" + url.QueryEscape(completed)},
		{label: "unfiltered (page of 100)", query: "limit=100"},
	}
	if !everyFilter {
		return qs
	}
	since := s.stored.Add(-time.Hour).Format(time.RFC3339Nano)
	until := s.stored.Format(time.RFC3339Nano)
	return append(qs,
		statementQuery{label: "since/until (an hour, page of 100)", query: "since=" + url.QueryEscape(since) + "&until=" + url.QueryEscape(until) + "&limit=100"},
		statementQuery{label: "agent with related_agents (page of 100)", query: "agent=" + url.QueryEscape(s.agent) + "&related_agents=true&limit=100"},
		statementQuery{label: "activity with related_activities (page of 100)", query: "activity=" + url.QueryEscape(s.activity) + "&related_activities=true&limit=100"},
		statementQuery{label: "more page (second unfiltered page of 100)", more: true},
	)
}

// moreLink GETs the first page of query and returns its more link (empty
// when there is no second page).
func moreLink(ctx context.Context, base, query string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/xapi/statements?"+query, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth(benchKey, benchSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var page struct {
		More string `json:"more"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		return "", fmt.Errorf("first page of %s: %w", query, err)
	}
	return page.More, nil
}

// bulkLoad is what a scaling run records in a size's directory after its
// bulk load (bulkLoadFile), for a later run with Config.Reuse.
type bulkLoad struct {
	Size        int64   `json:"size"`
	Seed        uint64  `json:"seed"`
	Stored      int64   `json:"stored"`
	LoadSeconds float64 `json:"load_seconds"`
}

const bulkLoadFile = "bench-bulk-load.json"

func writeBulkLoad(dir string, m bulkLoad) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, bulkLoadFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("record the bulk load: %w", err)
	}
	return nil
}

func readBulkLoad(dir string) (bulkLoad, bool) {
	var m bulkLoad
	data, err := os.ReadFile(filepath.Join(dir, bulkLoadFile))
	if err != nil || json.Unmarshal(data, &m) != nil || m.Stored <= 0 {
		return bulkLoad{}, false
	}
	return m, true
}
