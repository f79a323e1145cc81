package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/hocvu/hocvu/campaign/simulate"
)

// Config is one `hocvu bench` run.
type Config struct {
	// Binary is the hocvu binary the children run.
	Binary string
	// Version is the version of Hocvu the report names.
	Version string
	// DataDir is where the campaign is built (empty: a new temporary
	// directory, removed afterwards unless Keep).
	DataDir string
	Keep    bool
	// ClickHouse is the DSN of the analytics engine (empty: DuckDB).
	ClickHouse string
	// Learners and Seed make the simulated campaign.
	Learners int
	Seed     uint64
	// Ingest statements are POSTed by Clients concurrent clients in
	// batches of Batch statements.
	Ingest, Clients, Batch int
	// Runs of each query make its latency percentiles.
	Runs int
	// Sizes, when set, make a scaling run instead: the store is loaded
	// to each size in turn (statements, increasing) and the ingest, the
	// GET /xapi/statements latencies, the server's resident memory and
	// the disk per statement are measured at each (Learners is then
	// derived from each size; the named queries and the rebuild are not
	// run).
	Sizes []int64
	// Settle, in a scaling run, is how long to wait after the GETs for
	// the store's compactions to settle before measuring the GETs again
	// (0: not measured again).
	Settle time.Duration
	// Reuse, in a scaling run, takes a size's directory as it is when an
	// earlier run (Keep) bulk-loaded it to that size with the same seed:
	// no bulk load, and the catch-up resumes from the read models'
	// checkpoints (the report says so).
	Reuse bool
	// CatchUpTimeout bounds a scaling run's wait for the read models to
	// catch up, at each size (0: two hours).
	CatchUpTimeout time.Duration
	// Progress receives a line per step and per measurement, and the
	// children's output (nil: discarded).
	Progress io.Writer
}

// The credential the load generator's serve child accepts.
const benchKey, benchSecret = "bench", "bench-secret-bench"

// row is one measurement of the report.
type row struct{ what, value, note string }

// bench is one run in progress.
type bench struct {
	cfg        Config
	log        io.Writer
	dir        string
	engine     string
	extra      []string // the data directory and the analytics engine, for serve and rebuild
	rows       []row
	statements int64 // loaded in bulk
	posted     int   // ingested over HTTP
	postTime   time.Duration
	lag        time.Duration // after the ingest, until every projection had applied it
}

// Run loads a simulated campaign, measures it and returns the markdown
// report.
func Run(ctx context.Context, cfg Config) (string, error) {
	b := &bench{cfg: cfg, log: cfg.Progress, dir: cfg.DataDir, engine: "duckdb"}
	if b.log == nil {
		b.log = io.Discard
	}
	if b.dir == "" {
		var err error
		if b.dir, err = os.MkdirTemp("", "hocvu-bench-*"); err != nil {
			return "", err
		}
		if !cfg.Keep {
			defer os.RemoveAll(b.dir)
		}
	}
	b.extra = []string{"--data-dir=" + b.dir, "--pseudonym-key=" + randomHex(32)}
	if cfg.ClickHouse != "" {
		b.engine = "clickhouse"
		b.extra = append(b.extra, "--clickhouse="+cfg.ClickHouse)
	}
	if len(cfg.Sizes) > 0 {
		if cfg.ClickHouse != "" {
			return "", errors.New("a scaling run (sizes) measures with the embedded DuckDB analytics: one ClickHouse database would keep the rows of the earlier sizes")
		}
		// No --pseudonym-key: each size's serve keeps its own key in its
		// directory (pseudonym.key), so that a later run with Reuse
		// pseudonymises as the kept read models did.
		return runScaling(ctx, cfg, b.dir, nil, b.engine)
	}
	if err := b.load(ctx); err != nil {
		return "", err
	}
	if err := b.serve(ctx); err != nil {
		return "", err
	}
	if err := b.rebuild(ctx); err != nil {
		return "", err
	}
	return report(reportHeader{Time: time.Now(), Version: cfg.Version, Learners: cfg.Learners, Seed: cfg.Seed,
		Statements: b.statements, Engine: b.engine}, b.rows), nil
}

func (b *bench) add(what, value, note string) {
	b.rows = append(b.rows, row{what, value, note})
	fmt.Fprintf(b.log, "  %s: %s %s\n", what, value, note)
}

func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.log, "== "+format+"\n", args...)
}

// load loads the campaign straight into the event store.
func (b *bench) load(ctx context.Context) error {
	b.step("loading a campaign of %d learners (hocvu simulate --mode bulk)", b.cfg.Learners)
	start := time.Now()
	out, err := runChild(ctx, b.cfg.Binary, b.log, "simulate", "--mode=bulk", fmt.Sprintf("--learners=%d", b.cfg.Learners),
		fmt.Sprintf("--seed=%d", b.cfg.Seed), "--data-dir="+b.dir, "--log-level=warn")
	if err != nil {
		return fmt.Errorf("simulate: %w\n%s", err, out)
	}
	loadTime := time.Since(start)
	b.statements = countStatements(out)
	b.add("bulk load (simulate --mode bulk)", fmt.Sprintf("%s statements in %s", human(b.statements), loadTime.Round(time.Second)),
		fmt.Sprintf("%s statements/s into the embedded store", human(int64(float64(b.statements)/loadTime.Seconds()))))
	return nil
}

// serve starts hocvu serve on the loaded log and measures the catch-up,
// the ingest, the lag and the queries.
func (b *bench) serve(ctx context.Context) error {
	b.step("starting hocvu serve on the loaded log (%s analytics)", b.engine)
	srv, err := startServe(ctx, b.cfg.Binary, b.log, append([]string{"serve", "--listen=127.0.0.1:0", "--max-page=500"}, b.extra...),
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
		b.add("catch-up of "+name+" (from an empty read model, all projections at once)", d.Round(time.Second).String(),
			fmt.Sprintf("%s events/s", human(int64(float64(b.statements)/d.Seconds()))))
	}
	if err := b.ingest(ctx, srv.url); err != nil {
		return err
	}
	if err := b.queries(ctx, srv.url); err != nil {
		return err
	}
	srv.stop()
	return nil
}

// ingest POSTs fresh statements over HTTP, then waits for every
// projection to apply them.
func (b *bench) ingest(ctx context.Context, base string) error {
	c := b.cfg
	b.step("posting %d statements over HTTP (%d clients, batches of %d)", c.Ingest, c.Clients, c.Batch)
	sim := simulate.DefaultConfig()
	sim.Seed, sim.Learners = c.Seed+1000, max(c.Ingest/10, 100)
	camp, err := simulate.Generate(ctx, sim, simulate.Authority("https://hocvu.local/", benchKey))
	if err != nil {
		return err
	}
	posted, postTime, err := postSome(ctx, camp, base, c.Ingest, c.Clients, c.Batch)
	if err != nil {
		return err
	}
	b.posted, b.postTime = posted, postTime
	b.add(fmt.Sprintf("ingest over HTTP (POST, batches of %d, %d clients)", c.Batch, c.Clients), fmt.Sprintf("%s statements/s", human(int64(float64(posted)/postTime.Seconds()))),
		fmt.Sprintf("%d statements in %s, validation, fsync and index included", posted, postTime.Round(time.Millisecond)))
	lagStart := time.Now()
	if _, err := waitCaughtUp(ctx, base, 10*time.Minute); err != nil {
		return err
	}
	b.lag = time.Since(lagStart)
	b.add("analytics lag after the ingest", b.lag.Round(time.Millisecond).String(), "until every projection had applied the log's head")
	return nil
}

// namedQueries are the analytics queries measured, with their parameters.
var namedQueries = []struct{ name, params string }{
	{"summary", "from=2025-10&to=2025-12"}, {"trend", ""}, {"by_commune", "from=2026-01&to=2026-12"}, {"by_group", ""},
	{"by_course", ""}, {"by_activity", "from=2025-10&to=2025-10"}, {"funnel", ""}, {"fast_completions", "from=2026-01&to=2026-03"},
	{"bursts", "from=2025-10&to=2025-10"}, {"progress", "to=2025-12"}, {"mentors", "commune=51001"}, {"teams", ""},
}

const completed = "http://adlnet.gov/expapi/verbs/completed"

// queries measures the named queries and GET /xapi/statements.
func (b *bench) queries(ctx context.Context, base string) error {
	b.step("measuring named queries and GET /xapi/statements (%d runs each)", b.cfg.Runs)
	for _, q := range namedQueries {
		p50, p95, p99, err := latency(ctx, base+"/api/analytics/"+q.name+"?"+q.params, b.cfg.Runs)
		if err != nil {
			return err
		}
		b.add("query "+q.name+" "+q.params, fmt.Sprintf("p50 %s · p95 %s · p99 %s", p50, p95, p99), "")
	}
	sample, err := sampleStatement(ctx, base)
	if err != nil {
		return err
	}
	for _, q := range statementQueries(sample, false) {
		p50, p95, p99, err := latency(ctx, base+"/xapi/statements?"+q.query, b.cfg.Runs)
		if err != nil {
			return err
		}
		b.add("GET /xapi/statements "+q.label, fmt.Sprintf("p50 %s · p95 %s · p99 %s", p50, p95, p99), "")
	}
	return nil
}

// rebuild rebuilds the analytics alone from the whole log.
func (b *bench) rebuild(ctx context.Context) error {
	b.step("rebuilding the analytics from the whole log (hocvu projections rebuild analytics)")
	start := time.Now()
	if out, err := runChild(ctx, b.cfg.Binary, b.log, append([]string{"projections", "rebuild", "analytics", "--log-level=warn"}, b.extra...)...); err != nil {
		return fmt.Errorf("rebuild: %w\n%s", err, out)
	}
	d := time.Since(start)
	b.add("analytics rebuild ("+b.engine+", alone)", d.Round(time.Second).String(),
		fmt.Sprintf("%s statements/s", human(int64(float64(b.statements+int64(b.posted))/d.Seconds()))))
	return nil
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
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
