// Command hocvu is the Hocvu learning record store: an event-sourced xAPI
// LRS for the "Bình dân học vụ số" digital-skills campaign. One binary
// holds every role; subcommands select it. cmd/hocvu is the only place that
// reads configuration and picks backends.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/alecthomas/kong"
)

// cli is the command-line grammar. Every flag has a HOCVU_* environment
// variable; flags win over the environment.
type cli struct {
	LogLevel   string `name:"log-level" env:"HOCVU_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level: debug, info, warn or error."`
	LogFormat  string `name:"log-format" env:"HOCVU_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format: text (for people) or json (for log collectors)."`
	CPUProfile string `name:"cpu-profile" hidden:"" type:"path" help:"Write a Go CPU profile of the command to this file (diagnostics)."`

	Serve       serveCmd       `cmd:"" help:"Run the LRS: the xAPI API, health and metrics endpoints, on the embedded event store by default."`
	Project     projectCmd     `cmd:"" help:"Run the analytics projector alone (to scale out over a shared KurrentDB; the API then runs with --no-analytics-projector)."`
	Projections projectionsCmd `cmd:"" help:"Inspect and rebuild projections (read models)."`
	Analytics   analyticsCmd   `cmd:"" help:"Analytics schema and named queries."`
	Credentials credentialsCmd `cmd:"" help:"Manage LRS credentials (HTTP Basic key/secret with xAPI scopes)."`
	Reference   referenceCmd   `cmd:"" help:"Load and inspect campaign reference data: communes, populations, targets, teams, mentors."`
	Simulate    simulateCmd    `cmd:"" help:"Generate a realistic campaign (learners, courses, statements), deterministic by seed."`
	Users       usersCmd       `cmd:"" help:"Manage dashboard users (province and commune roles)."`
	People      peopleCmd      `cmd:"" help:"Personal-data requests: erase a person, list the erasures (with --seal-personal-data)."`
	Forwards    forwardsCmd    `cmd:"" help:"Forward statements to other xAPI LRSs and webhooks: create, list, pause, resume, delete, dead letters."`
	Report      reportCmd      `cmd:"" help:"Produce reports, e.g. the commune report appendix of targets and results."`
	Bench       benchCmd       `cmd:"" help:"Load a simulated campaign and measure ingest, projections and query latencies; prints a markdown report."`
	Version     versionCmd     `cmd:"" help:"Print the version and exit."`
}

// globals are handed to every command's Run.
type globals struct {
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

const description = `Hocvu is an event-sourced xAPI Learning Record Store for the "Bình dân học vụ số"
digital-skills campaign. It accepts xAPI 1.0.3 and 2.0 statements, keeps every
change as an immutable event, and projects the log into read models.

Quick start (no servers to install):

  hocvu serve                      # xAPI at http://127.0.0.1:8080/xapi/, data in ./data
  curl http://127.0.0.1:8080/xapi/about

Every flag can also be set by the environment variable shown next to it.`

func main() {
	// Hocvu's hot paths allocate many short-lived JSON values; a larger
	// GC target trades some memory (the live heap is small) for ~15% more
	// throughput (docs/benchmarks.md). GOGC, when set, wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var c cli
	exit := -1
	parser, err := kong.New(&c,
		kong.Name("hocvu"),
		kong.Description(description),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, Summary: true}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "hocvu:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit // --help printed
	}
	if err != nil {
		parser.Errorf("%s", err)
		fmt.Fprintln(stderr, "Run 'hocvu --help' for usage.")
		return 2
	}
	log := newLogger(stderr, c.LogLevel, c.LogFormat)
	if budget, ok := selectedBudget(kctx); ok {
		defer applyGoLimit(budget, log)()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if c.CPUProfile != "" {
		f, err := os.Create(c.CPUProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			log.Error("cpu profile", "err", err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	if err := kctx.Run(&globals{log: log, stdout: stdout, stderr: stderr}); err != nil {
		log.Error("hocvu failed", "command", kctx.Command(), "err", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
