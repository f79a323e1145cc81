package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/alecthomas/kong"

	"github.com/hocvu/hocvu/internal/loadgen"
)

// benchCmd loads a simulated campaign, then measures what the campaign
// cares about on this machine and prints a markdown report for
// docs/benchmarks.md (internal/loadgen). It runs this binary for every
// role (simulate, serve, projections rebuild) as child processes, like
// production.
type benchCmd struct {
	analyticsConfig `embed:""`
	DataDir         string        `name:"data-dir" placeholder:"DIR" help:"Where to build the campaign (default: a new temporary directory, removed afterwards unless --keep)."`
	Keep            bool          `name:"keep" help:"Keep the data directory."`
	Learners        int           `name:"learners" default:"400000" help:"Learners of the simulated campaign (400,000 gives about 1.6M lesson completions and 4.5M statements)."`
	Seed            uint64        `name:"seed" default:"7" help:"Campaign seed."`
	Ingest          int           `name:"ingest" default:"50000" help:"Statements to POST through the HTTP API for the ingest measurement."`
	Clients         int           `name:"clients" default:"16" help:"Concurrent HTTP clients for the ingest measurement."`
	Batch           int           `name:"batch" default:"100" help:"Statements per POST for the ingest measurement."`
	Runs            int           `name:"runs" default:"30" help:"Runs of each query for the latency percentiles."`
	Sizes           benchSizes    `name:"sizes" env:"HOCVU_BENCH_SIZES" placeholder:"N,N,…" help:"Scaling run instead of the single report: for each store size (statements, e.g. 0,1M,5M; k, M and G accepted), in increasing order, bulk-load a new data directory to that size (--learners is derived from it), let 'hocvu serve' catch its read models up (timed), then measure the HTTP ingest (--ingest, --clients, --batch), GET /xapi/statements p50/p95 with every filter, the server's peak RSS and the disk per statement; prints one row per size. Embedded DuckDB analytics only; no named queries, no rebuild."`
	Reuse           bool          `name:"reuse" help:"In a scaling run with --data-dir: take a size's directory as it is when an earlier run kept it (--keep) after bulk-loading it to that size with the same --seed: no bulk load, and the read models' catch-up resumes from their checkpoints (the report marks the row)."`
	CatchUpTimeout  time.Duration `name:"catch-up-timeout" default:"2h" help:"In a scaling run: how long to wait, at each size, for the read models to catch up."`
	Settle          time.Duration `name:"settle" default:"20m" help:"In a scaling run, after the GETs: wait up to this long for the store's compactions to settle (no compaction or flush running or finished for 10 s, by the hocvu_storage_* metrics), then measure the GETs again; 0 skips it."`
	Out             string        `name:"out" placeholder:"FILE" help:"Also write the markdown report to FILE."`
}

// benchSizes is the --sizes flag: store sizes, parsed (and refused when
// malformed) while the command line is.
type benchSizes []int64

// Decode implements kong.MapperValue.
func (s *benchSizes) Decode(ctx *kong.DecodeContext) error {
	var v string
	if err := ctx.Scan.PopValueInto("sizes", &v); err != nil {
		return err
	}
	sizes, err := loadgen.ParseSizes(v)
	if err != nil {
		return err
	}
	*s = sizes
	return nil
}

func (c *benchCmd) Run(ctx context.Context, g *globals) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	report, err := loadgen.Run(ctx, loadgen.Config{
		Binary: self, Version: buildVersion(), DataDir: c.DataDir, Keep: c.Keep, ClickHouse: c.ClickHouse,
		Learners: c.Learners, Seed: c.Seed, Ingest: c.Ingest, Clients: c.Clients, Batch: c.Batch, Runs: c.Runs,
		Sizes: c.Sizes, Settle: c.Settle, Reuse: c.Reuse, CatchUpTimeout: c.CatchUpTimeout,
		Progress: g.stderr,
	})
	if err != nil {
		return err
	}
	fmt.Fprint(g.stdout, report)
	if c.Out != "" {
		return os.WriteFile(c.Out, []byte(report), 0o644)
	}
	return nil
}
