package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/analytics/duckdb"
	"github.com/hocvu/hocvu/internal/loadgen"
	"github.com/hocvu/hocvu/internal/membudget"
)

// analyticsConfig selects the analytics engine.
type analyticsConfig struct {
	ClickHouse         string `name:"clickhouse" env:"HOCVU_CLICKHOUSE_URL" placeholder:"DSN" help:"ClickHouse DSN (clickhouse://host:9000/hocvu, native protocol; the database is created when missing). Empty: the embedded DuckDB file <data-dir>/analytics.duckdb."`
	ClickHousePassword string `name:"clickhouse-password" env:"HOCVU_CLICKHOUSE_PASSWORD" placeholder:"PASSWORD" help:"Password of the ClickHouse user in --clickhouse, any characters (it replaces a password in the DSN, where @ / ? # % and : would have to be percent-encoded)."`
	Cluster            string `name:"clickhouse-cluster" env:"HOCVU_CLICKHOUSE_CLUSTER" placeholder:"NAME" help:"ClickHouse cluster whose tables the files of analytics/clickhouse/cluster/ made (Distributed over *_local tables); the repair, voids and reset then act on the local tables ON CLUSTER. Empty: one server."`
	PseudonymKey       string `name:"pseudonym-key" env:"HOCVU_PSEUDONYM_KEY" placeholder:"KEY" help:"Secret for the learner pseudonyms in analytics (32+ hex digits or 16+ characters; make one with: openssl rand -hex 32). Empty: a random key kept in <data-dir>/pseudonym.key. Keep it the same on every projector, and back it up."`
}

// dsn is the ClickHouse DSN with the password of --clickhouse-password,
// percent-encoded, in place of any password the DSN has.
func (cfg analyticsConfig) dsn() (string, error) {
	if cfg.ClickHousePassword == "" {
		return cfg.ClickHouse, nil
	}
	u, err := url.Parse(cfg.ClickHouse)
	if err != nil {
		return "", fmt.Errorf("--clickhouse: %w (with --clickhouse-password, leave the password out of the DSN)", err)
	}
	user := "default"
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, cfg.ClickHousePassword)
	if q := u.Query(); q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// openAnalytics opens (and migrates) the configured engine and the
// pseudonymizer; embedded DuckDB gets the memory budget's share.
func openAnalytics(ctx context.Context, cfg analyticsConfig, dataDir string, mem membudget.Budget, log *slog.Logger) (analytics.Engine, *analytics.Pseudonymizer, error) {
	key, created, err := analytics.LoadOrCreateKey(cfg.PseudonymKey, filepath.Join(dataDir, "pseudonym.key"))
	if err != nil {
		return nil, nil, err
	}
	if created {
		log.Warn("created a random pseudonym key; set HOCVU_PSEUDONYM_KEY to share one key between processes", "file", filepath.Join(dataDir, "pseudonym.key"))
	}
	ps, err := analytics.NewPseudonymizer(key)
	if err != nil {
		return nil, nil, err
	}
	if cfg.ClickHouse != "" {
		dsn, err := cfg.dsn()
		if err != nil {
			return nil, nil, err
		}
		db, err := clickhouse.Open(ctx, dsn, clickhouse.Options{Logger: log, Cluster: cfg.Cluster})
		if err != nil {
			return nil, nil, err
		}
		applied, err := db.Migrate(ctx)
		if err != nil {
			_ = db.Close()
			return nil, nil, fmt.Errorf("migrate ClickHouse: %w", err)
		}
		if len(applied) > 0 {
			log.Info("applied ClickHouse migrations", "migrations", applied)
		}
		return clickhouse.NewEngine(db, "analytics-clickhouse"), ps, nil
	}
	e, err := duckdb.OpenWith(ctx, filepath.Join(dataDir, "analytics.duckdb"), "analytics-duckdb", duckdb.Options{MemoryLimit: mem.DuckDB})
	if err != nil {
		return nil, nil, fmt.Errorf("open embedded analytics (is `hocvu serve` running on this data directory? use its HTTP API, /api/analytics/, instead): %w", err)
	}
	return e, ps, nil
}

type analyticsCmd struct {
	Migrate analyticsMigrateCmd `cmd:"" help:"Create or upgrade the analytics schema (also done at start-up)."`
	Queries analyticsQueriesCmd `cmd:"" help:"List the named queries."`
	Query   analyticsQueryCmd   `cmd:"" help:"Run a named query and print its rows."`
}

type analyticsMigrateCmd struct {
	storeConfig     `embed:""`
	analyticsConfig `embed:""`
}

func (c *analyticsMigrateCmd) Run(ctx context.Context, g *globals) error {
	e, _, err := openAnalytics(ctx, c.analyticsConfig, c.DataDir, c.MemoryBudget.split(), g.log)
	if err != nil {
		return err
	}
	defer e.Close()
	fmt.Fprintf(g.stdout, "analytics schema of %s is up to date\n", e.Engine())
	return nil
}

type analyticsQueriesCmd struct{}

func (analyticsQueriesCmd) Run(g *globals) error {
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPARAMETERS\tDESCRIPTION")
	for _, q := range analytics.Catalog {
		fmt.Fprintf(w, "%s\t%s\t%s\n", q.Name, strings.Join(q.Params, ","), q.Description)
	}
	return w.Flush()
}

type analyticsQueryCmd struct {
	storeConfig     `embed:""`
	analyticsConfig `embed:""`
	Name            string `arg:"" help:"Named query (see 'hocvu analytics queries')."`
	From            string `name:"from" placeholder:"YYYY-MM" help:"First month (inclusive)."`
	To              string `name:"to" placeholder:"YYYY-MM" help:"Last month (inclusive)."`
	Commune         string `name:"commune" help:"Commune/ward code."`
	Group           string `name:"group" help:"Target group: public-staff, student, worker, citizen."`
	Course          string `name:"course" help:"Course activity id."`
	AreaType        string `name:"area-type" help:"Area type of the communes (composite queries): urban, rural, mountainous, island, ethnic-minority."`
	Threshold       int    `name:"threshold" help:"Burst size for the bursts query (default 20)."`
	Limit           int    `name:"limit" help:"Most rows of a query that caps them (bursts; default 1000, at most 100000); the JSON's total counts them all."`
	Lang            string `name:"lang" help:"Language of names (courses query): a BCP 47 tag, default vi-VN."`
	JSON            bool   `name:"json" help:"Print JSON instead of a table."`
	Runs            int    `name:"runs" default:"1" help:"Run the query this many times and print its latency percentiles on stderr (for benchmarks)."`
}

func (c *analyticsQueryCmd) Run(ctx context.Context, g *globals) error {
	if _, ok := analytics.Lookup(c.Name); !ok {
		return fmt.Errorf("no named query %q (see 'hocvu analytics queries')", c.Name)
	}
	e, _, err := openAnalytics(ctx, c.analyticsConfig, c.DataDir, c.MemoryBudget.split(), g.log)
	if err != nil {
		return err
	}
	defer e.Close()
	params := analytics.Params{From: c.From, To: c.To, Commune: c.Commune, Group: c.Group, Course: c.Course, AreaType: c.AreaType,
		Threshold: c.Threshold, Limit: c.Limit, Lang: c.Lang}
	var (
		res   *analytics.Result
		times = make([]time.Duration, 0, max(c.Runs, 1))
	)
	if c.Runs > 1 { // one warm-up run, not counted
		if _, err := e.Query(ctx, c.Name, params); err != nil {
			return err
		}
	}
	for i := 0; i < max(c.Runs, 1); i++ {
		start := time.Now()
		if res, err = e.Query(ctx, c.Name, params); err != nil {
			return err
		}
		times = append(times, time.Since(start))
	}
	if c.Runs > 1 {
		p50, p95, p99 := loadgen.Percentiles(times)
		fmt.Fprintf(g.stderr, "%s on %s, %d runs: p50 %s · p95 %s · p99 %s\n", c.Name, e.Engine(), len(times), p50, p95, p99)
	}
	if c.JSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if res.Truncated() {
		defer fmt.Fprintf(g.stderr, "%d of %d rows (the limit); --limit shows more\n", len(res.Rows), *res.Total)
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, strings.Join(res.Columns, "\t")+"\t")
	for _, r := range res.Rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = fmt.Sprint(v)
			if v == nil {
				cells[i] = "—" // no value (a target never set)
			}
		}
		fmt.Fprintln(w, strings.Join(cells, "\t")+"\t")
	}
	return w.Flush()
}
