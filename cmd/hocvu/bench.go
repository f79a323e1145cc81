package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hocvu/hocvu/internal/loadgen"
)

// benchCmd loads a simulated campaign, then measures what the campaign
// cares about on this machine and prints a markdown report for
// docs/benchmarks.md (internal/loadgen). It runs this binary for every
// role (simulate, serve, projections rebuild) as child processes, like
// production.
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

func (c *benchCmd) Run(ctx context.Context, g *globals) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	report, err := loadgen.Run(ctx, loadgen.Config{
		Binary: self, Version: buildVersion(), DataDir: c.DataDir, Keep: c.Keep, ClickHouse: c.ClickHouse,
		Learners: c.Learners, Seed: c.Seed, Ingest: c.Ingest, Clients: c.Clients, Batch: c.Batch, Runs: c.Runs,
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
