package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
	"github.com/hocvu/hocvu/projections/documentindex"
	"github.com/hocvu/hocvu/projections/lease"
	"github.com/hocvu/hocvu/projections/projectionsapi"
	"github.com/hocvu/hocvu/projections/statementindex"
)

type projectionsCmd struct {
	Status     projectionsStatusCmd     `cmd:"" help:"Show each projection's checkpoint and how far it is behind the log."`
	Rebuild    projectionsRebuildCmd    `cmd:"" help:"Empty one projection and replay the whole log into it, with a progress bar."`
	Quarantine projectionsQuarantineCmd `cmd:"" help:"List the poison events that projections skipped (docs/limits.md)."`
}

// openProjection opens the projection called name with its own storage.
// It takes its share of the memory budget of sc.
// With privacy (sealing on), the statement index seals and the analytics
// pseudonymize by the sealed form; an index built the other way is opened
// all the same, for its status or its rebuild (which calls UseSealer
// again after the reset).
func openProjection(ctx context.Context, store eventstore.StreamReader, name string, sc storeConfig, ac analyticsConfig, privacy *privacyRuntime, g *globals) (projections.Projection, func(), error) {
	dataDir := sc.DataDir
	switch {
	case name == statementindex.Name:
		cache, memory := sc.modelMemory()
		defer cache.Close()
		ix, err := statementindex.OpenWithMemory(filepath.Join(dataDir, "index"), g.log, memory(true))
		if err != nil {
			return nil, nil, err
		}
		if err := ix.UseSealer(privacy.indexSealer()); err != nil && !errors.Is(err, statementindex.ErrSealingChanged) {
			_ = ix.Close()
			return nil, nil, err
		}
		ix.UseAttachments(attachments.NewScopes(filepath.Join(dataDir, "attachments")))
		return ix, func() { _ = ix.Close() }, nil
	case name == documentindex.Name:
		cache, memory := sc.modelMemory()
		defer cache.Close()
		ix, err := documentindex.OpenWithMemory(filepath.Join(dataDir, "documents"), g.log, memory(false))
		if err != nil {
			return nil, nil, err
		}
		if err := ix.UseSealer(privacy.documentAgents()); err != nil {
			_ = ix.Close()
			return nil, nil, err
		}
		return ix, func() { _ = ix.Close() }, nil
	case name == documentindex.DefinitionsName:
		cache, memory := sc.modelMemory()
		defer cache.Close()
		d, err := documentindex.OpenDefinitionsWithMemory(filepath.Join(dataDir, "definitions"), g.log, memory(false))
		if err != nil {
			return nil, nil, err
		}
		return d, func() { _ = d.Close() }, nil
	case name == "analytics" || name == "analytics-clickhouse" || name == "analytics-duckdb":
		e, ps, err := openAnalytics(ctx, ac, dataDir, sc.MemoryBudget.split(), g.log)
		if err != nil {
			return nil, nil, err
		}
		privacy.mapPseudonyms(ps)
		p := analyticsfacts.NewProjection(e, ps, store)
		if name != "analytics" && name != p.Name() {
			_ = e.Close()
			return nil, nil, fmt.Errorf("projection %s is not the configured engine (%s): check --clickhouse", name, p.Name())
		}
		return p, func() { _ = e.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown projection %q (known: %s)", name, strings.Join(projectionNames, ", "))
}

// projectionNames are the projections the commands know.
var projectionNames = []string{statementindex.Name, documentindex.Name, documentindex.DefinitionsName, "analytics"}

type projectionsStatusCmd struct {
	storeConfig     `embed:""`
	analyticsConfig `embed:""`
}

func (c *projectionsStatusCmd) Run(ctx context.Context, g *globals) error {
	store, _, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	head, err := store.Head(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "PROJECTION\tCHECKPOINT\tLOG HEAD\tBEHIND\n")
	for _, name := range projectionNames {
		p, closeFn, err := openProjection(ctx, store, name, c.storeConfig, c.analyticsConfig, nil, g)
		if err != nil {
			fmt.Fprintf(w, "%s\t-\t%s\tunavailable: %v\n", name, head, err)
			continue
		}
		cp, err := readPosition(ctx, p)
		closeFn()
		if err != nil {
			fmt.Fprintf(w, "%s\t-\t%s\terror: %v\n", p.Name(), head, err)
			continue
		}
		if errors.Is(projections.CheckCheckpoint(ctx, store, p.Name(), cp), projections.ErrCheckpointAhead) {
			fmt.Fprintf(w, "%s\t%s\t%s\tAHEAD of the log (restored from an older backup?): rebuild it\n", p.Name(), cp, head)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", p.Name(), cp, head, projectionsapi.Behind(head, cp))
	}
	return w.Flush()
}

// positioner is a projection that can report its checkpoint without
// repairing or writing anything (the analytics projection: its Checkpoint
// repairs half-written batches and writes dimension tables, which must not
// happen beside the projector that owns the sink).
type positioner interface {
	Position(ctx context.Context) (eventstore.Position, error)
}

// readPosition returns p's checkpoint for display, read only.
func readPosition(ctx context.Context, p projections.Projection) (eventstore.Position, error) {
	if ps, ok := p.(positioner); ok {
		return ps.Position(ctx)
	}
	return p.Checkpoint(ctx)
}

type projectionsRebuildCmd struct {
	storeConfig     `embed:""`
	analyticsConfig `embed:""`
	Name            string        `arg:"" help:"Projection to rebuild: statement-index, document-index, activity-definitions or analytics."`
	LeaseWait       time.Duration `name:"lease-wait" default:"40s" help:"On a shared KurrentDB, how long to wait for the analytics projection lease (a crashed holder's lease passes after 15 s); the rebuild refuses to start while a live projector holds it."`
}

func (c *projectionsRebuildCmd) Run(ctx context.Context, g *globals) error {
	store, exclusive, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	privacy, err := openPrivacy(ctx, c.storeConfig, store, g.log)
	if err != nil {
		return err
	}
	defer privacy.Close()
	p, closeFn, err := openProjection(ctx, store, c.Name, c.storeConfig, c.analyticsConfig, privacy, g)
	if err != nil {
		return err
	}
	defer closeFn()
	r, ok := p.(projections.Resetter)
	if !ok {
		return fmt.Errorf("projection %s cannot be rebuilt", p.Name())
	}
	// On a shared store the analytics sink is written by whichever
	// process holds its lease (hocvu project, or hocvu serve with the
	// analytics projector): the rebuild holds it too, from before the
	// reset to the end of the replay, so that nothing else writes the
	// sink meanwhile. (The local read models are locked by their data
	// directory instead.)
	var held *heldLease
	if !exclusive && isAnalytics(p.Name()) {
		if held, err = holdLease(ctx, store, p.Name(), c.LeaseWait, g.log); err != nil {
			return err
		}
		defer held.release()
	}
	if err := r.Reset(ctx); err != nil {
		return fmt.Errorf("reset %s: %w", p.Name(), err)
	}
	if ix, ok := p.(*statementindex.Index); ok {
		// Empty now: it takes the configured sealing whichever way it was
		// built.
		if err := ix.UseSealer(privacy.indexSealer()); err != nil {
			return err
		}
	}
	start := time.Now()
	n, err := catchUp(ctx, store, p, g, true, held)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "rebuilt %s from the whole log in %s (%d log positions)\n", p.Name(), time.Since(start).Round(time.Millisecond), n)
	return nil
}

// isAnalytics reports whether name is an analytics projection, the one
// that processes sharing a store elect a writer for (startSharedRunner).
func isAnalytics(name string) bool { return strings.HasPrefix(name, "analytics") }

// heldLease is a projection lease this process holds and renews until
// release.
type heldLease struct {
	*lease.Lease
	lost    chan struct{} // closed when another process took it
	stop    context.CancelFunc
	stopped chan struct{}
}

// holdLease acquires the lease of projection name, waiting up to wait (a
// crashed holder's lease passes after leaseTTL), and renews it until
// release. It refuses, naming the holder, when a live process keeps it.
func holdLease(ctx context.Context, store eventstore.Store, name string, wait time.Duration, log *slog.Logger) (*heldLease, error) {
	l := lease.New(store, name, holderID(), leaseTTL, log)
	actx, cancel := context.WithTimeout(ctx, wait)
	err := l.Acquire(actx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			holder, ago, _ := l.Holder(ctx)
			return nil, fmt.Errorf("the %s projection is being written by another process (lease holder %q, renewed %s ago), which kept its lease for %s: "+
				"stop every `hocvu project` (and any `hocvu serve` running the analytics projector) first, then rebuild; they resume from the rebuilt checkpoint when started again",
				name, holder, ago.Round(time.Second), wait)
		}
		return nil, fmt.Errorf("acquire the %s projection lease: %w", name, err)
	}
	kctx, stop := context.WithCancel(context.Background())
	h := &heldLease{Lease: l, lost: make(chan struct{}), stop: stop, stopped: make(chan struct{})}
	go func() {
		defer close(h.stopped)
		if errors.Is(l.Keep(kctx), lease.ErrLost) {
			close(h.lost)
		}
	}()
	return h, nil
}

// release stops renewing and gives the lease up, so that a waiting
// projector takes over at once.
func (h *heldLease) release() {
	h.stop()
	<-h.stopped
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.Release(ctx)
}

// catchUp runs p until it has applied the log's current head, with a
// progress bar on stderr when bar is set. It returns the head position.
// With a held lease, p is written only while the lease is held, and the
// catch-up fails if another process takes it.
func catchUp(ctx context.Context, store eventstore.Store, p projections.Projection, g *globals, bar bool, held *heldLease) (uint64, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return 0, err
	}
	opts := runnerOptions(p.Name(), g, projections.NewLogQuarantine(store))
	var lost <-chan struct{}
	if held != nil {
		opts.Gate, lost = held, held.lost
	}
	runner := projections.NewRunner(store, p, opts)
	rctx, cancel := context.WithCancel(ctx)
	var runErr error // set before finished closes
	finished := make(chan struct{})
	go func() { runErr = runner.Run(rctx); close(finished) }()
	defer func() {
		cancel()
		<-finished
		if pl, ok := p.(projections.Pipeliner); ok {
			_ = pl.Flush(context.Background())
		}
	}()
	var pb meter
	if bar {
		pb = newMeter(g.stderr, int64(head.Commit), "replaying "+p.Name(), "events", 0)
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		st := runner.Status()
		if pb != nil {
			pb.Set(int64(min(st.Applied.Commit, head.Commit)))
		}
		if st.Applied.Compare(head) >= 0 {
			if pb != nil {
				pb.Finish()
			}
			return head.Commit, nil
		}
		select {
		case <-ctx.Done():
			return 0, errors.New("interrupted; the projection resumes from its checkpoint next time")
		case <-lost:
			return 0, fmt.Errorf("another process took the %s projection lease during the rebuild (was a projector started with the rebuild running?); run the rebuild again with every projector stopped", p.Name())
		case <-finished:
			// The runner returns early only when the projection cannot go
			// on (its checkpoint is past the log's end), or nil when ctx
			// ends.
			if runErr == nil {
				return 0, errors.New("interrupted; the projection resumes from its checkpoint next time")
			}
			return 0, fmt.Errorf("%s stopped before reaching the log's head: %w", p.Name(), runErr)
		case <-tick.C:
		}
	}
}

// runnerOptions tunes a runner for its projection: the statement index
// applies small batches at once (writers wait for it); ClickHouse prefers
// large batches (each insert makes parts to merge). DuckDB, in the
// process, takes 5,000: a catching-up runner holds two batches (one being
// written, one being filled), and 20,000 of them kept the Go heap at the
// memory budget's limit (docs/benchmarks.md, "Catch-up under the memory
// budget"). Poison events go to q.
func runnerOptions(name string, g *globals, q projections.Quarantine) projections.Options {
	switch name {
	case statementindex.Name, documentindex.Name, documentindex.DefinitionsName:
		return projections.Options{Logger: g.log, MaxBatch: 2000, Quarantine: q}
	case "analytics-duckdb":
		return projections.Options{Logger: g.log, MaxBatch: 5000, MaxWait: 200 * time.Millisecond, Quarantine: q}
	}
	return projections.Options{Logger: g.log, MaxBatch: 20000, MaxWait: 200 * time.Millisecond, Quarantine: q}
}

type projectCmd struct {
	storeConfig          `embed:""`
	startupConfig        `embed:""`
	analyticsConfig      `embed:""`
	Listen               string `name:"listen" env:"HOCVU_PROJECT_LISTEN" default:"127.0.0.1:8081" help:"Address for this process's /healthz, /readyz and /metrics."`
	BatchSize            int    `name:"batch-size" env:"HOCVU_PROJECT_BATCH_SIZE" default:"20000" help:"Most events written to the analytics engine in one batch."`
	forwardSecretsConfig `embed:""`
	Forwarding           bool `name:"forwarding" env:"HOCVU_PROJECT_FORWARDING" help:"Also deliver statement forwards (under the forwarding lease; keeps a statement index in <data-dir>/index to look voided statements up)."`
}
