package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/internal/membudget"
	"github.com/hocvu/hocvu/internal/storagestats"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/privacy/export"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/documentindex"
	"github.com/hocvu/hocvu/projections/lease"
	"github.com/hocvu/hocvu/projections/pebblemodel"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// storeConfig selects the event store. Commands that touch the log embed it.
type storeConfig struct {
	DataDir    string `name:"data-dir" env:"HOCVU_DATA_DIR" default:"./data" type:"path" help:"Directory for the embedded event store, attachments and local read models."`
	EventStore string `name:"eventstore" env:"HOCVU_EVENTSTORE_URL" placeholder:"URL" help:"KurrentDB/EventStoreDB connection string: kurrentdb://host:2113?tls=false, kurrentdb://user:pass@h1:2113,h2:2113,h3:2113?tls=true&tlsCAFile=ca.crt (a cluster), kurrentdb+discover://user:pass@cluster-dns:2113?tls=true; esdb:// works as kurrentdb://. Empty: the embedded store in <data-dir>/events."`
	// EventStoreMaxAppend is KurrentDB's MaxAppendSize as configured on the
	// server; Hocvu cannot ask the server for it.
	EventStoreMaxAppend int `name:"eventstore-max-append" env:"HOCVU_EVENTSTORE_MAX_APPEND" default:"1048576" help:"KurrentDB's MaxAppendSize in bytes, as set on the server (its default is 1048576, the most it accepts 16767216). Larger appends are refused (413) before they are sent, and requests are merged into appends of at most half of it. Ignored with the embedded store."`
	memoryConfig        `embed:""`
	privacyConfig       `embed:""`
}

// groupBytes is how many bytes of statements the statement writer merges
// into one append: at most half of KurrentDB's limit (the stored form adds
// to the bytes the clients sent), and 4 MiB.
func (cfg storeConfig) groupBytes() int {
	const most = 4 << 20
	if cfg.EventStore == "" {
		return most
	}
	return min(most, cfg.EventStoreMaxAppend/2)
}

// openStore opens the configured event store. exclusive is true for the
// embedded store, which only this process can open.
func openStore(ctx context.Context, cfg storeConfig, log *slog.Logger, reg prometheus.Registerer) (store eventstore.Store, exclusive bool, err error) {
	if cfg.EventStore == "" {
		s, err := openEventStore(cfg.DataDir, cfg.MemoryBudget.split(), log, reg)
		return s, true, err
	}
	if cfg.EventStoreMaxAppend <= 0 || cfg.EventStoreMaxAppend > kurrentdb.MaxServerAppendSize {
		return nil, false, fmt.Errorf("--eventstore-max-append=%d (HOCVU_EVENTSTORE_MAX_APPEND): KurrentDB's MaxAppendSize is between 1 and %d bytes (default %d)",
			cfg.EventStoreMaxAppend, kurrentdb.MaxServerAppendSize, kurrentdb.DefaultServerMaxAppendSize)
	}
	s, err := kurrentdb.Open(ctx, cfg.EventStore, kurrentdb.Options{Logger: log, MaxAppendSize: cfg.EventStoreMaxAppend})
	if err != nil {
		return nil, false, fmt.Errorf("open KurrentDB: %w", err)
	}
	return s, false, nil
}

// warnBodyLimit warns when a request body may be larger than KurrentDB
// takes in one append: a POST's statements are one append, so such a
// request gets 413 although its body was accepted.
func (cfg storeConfig) warnBodyLimit(log *slog.Logger, maxBody int64) {
	if cfg.EventStore != "" && maxBody > int64(cfg.EventStoreMaxAppend)*3/4 {
		log.Warn("--max-body is close to or above KurrentDB's append limit: requests whose statements take more than the limit in the log get 413; "+
			"raise the server's MaxAppendSize and --eventstore-max-append together, or lower --max-body to at most 3/4 of it",
			"max_body", maxBody, "eventstore_max_append", cfg.EventStoreMaxAppend)
	}
}

// storeName describes the store in logs.
func (cfg storeConfig) storeName() string {
	if cfg.EventStore == "" {
		return "embedded"
	}
	return "kurrentdb"
}

// openEventStore opens the embedded store under dataDir/events with its
// share of the memory budget and, when reg is not nil, exports its
// counters as metrics.
func openEventStore(dataDir string, mem membudget.Budget, log *slog.Logger, reg prometheus.Registerer) (eventstore.Store, error) {
	dir := filepath.Join(dataDir, "events")
	s, err := pebblestore.Open(dir, pebblestore.Options{Logger: log, CacheSize: mem.EventCache, MemTableSize: uint64(mem.EventMemTable)})
	if err != nil {
		if errors.Is(err, pebblestore.ErrLocked) {
			return nil, fmt.Errorf("open embedded event store: %w (is `hocvu serve` running on this data directory? stop it first, or point --data-dir elsewhere)", err)
		}
		return nil, fmt.Errorf("open embedded event store: %w", err)
	}
	if reg != nil {
		st := s.Stats()
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_eventstore_commit_groups_total", Help: "Commit groups (WAL syncs) of the embedded event store."},
				func() float64 { return float64(st.Groups.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_eventstore_appends_total", Help: "Appends that wrote events."},
				func() float64 { return float64(st.Appends.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_eventstore_events_total", Help: "Events written."},
				func() float64 { return float64(st.Events.Load()) }),
		)
	}
	return s, nil
}

// lrsCore is the LRS's write and read machinery over one event store.
type lrsCore struct {
	store     eventstore.Store
	exclusive bool // the store is embedded: this process is its only writer
	index     *statementindex.Index
	indexRun  *projections.Runner
	registry  *auth.Registry
	blobs     *attachments.Store
	writer    *lrs.StatementWriter
	log       *slog.Logger

	docIndex    *documentindex.Index
	docRun      *projections.Runner
	definitions *documentindex.Definitions
	defRun      *projections.Runner
	documents   *documents.Service
	// quarantine records the poison events the projections skip.
	quarantine *projections.LogQuarantine
	// privacy is the keyring and the erasures (nil: sealing off).
	privacy *privacyRuntime

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// startCore opens the read models and starts their projectors.
func startCore(ctx context.Context, store eventstore.Store, exclusive bool, cfg storeConfig, log *slog.Logger, reg prometheus.Registerer) (*lrsCore, error) {
	dataDir := cfg.DataDir
	c := &lrsCore{store: store, exclusive: exclusive, log: log, quarantine: projections.NewLogQuarantine(store)}
	var err error
	if c.privacy, err = openPrivacy(ctx, cfg, store, log); err != nil {
		return nil, err
	}
	cache, memory := cfg.modelMemory()
	defer cache.Close() // each read model holds its own reference
	if c.index, err = openStatementIndex(dataDir, log, memory(true), c.privacy); err != nil {
		_ = c.privacy.Close()
		return nil, err
	}
	if err := refuseAhead(ctx, store, c.index, localRebuildHint(statementindex.Name, filepath.Join(dataDir, "index"))); err != nil {
		_ = c.index.Close()
		_ = c.privacy.Close()
		return nil, err
	}
	if c.blobs, err = attachments.OpenStore(filepath.Join(dataDir, "attachments")); err != nil {
		_ = c.index.Close()
		return nil, err
	}
	// With sealing, an erasure deletes the attachments of the person's
	// statements (their scopes).
	c.index.UseAttachments(c.blobs)
	c.registry = auth.NewRegistry(store, log)
	if err := c.registry.Load(ctx); err != nil {
		_ = c.index.Close()
		_ = c.privacy.Close()
		return nil, err
	}
	eventstore.RegisterFoldSkips(reg, auth.Stream, c.registry.Skipped)
	rctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.indexRun = projections.NewRunner(store, c.index, projections.Options{Logger: log, MaxBatch: 2000, Quarantine: c.quarantine})
	c.wg.Add(2)
	go func() { defer c.wg.Done(); _ = c.indexRun.Run(rctx) }()
	go func() { defer c.wg.Done(); c.registry.Follow(rctx) }()
	wopts := lrs.WriterOptions{Logger: log, MaxGroupBytes: cfg.groupBytes()}
	if c.privacy != nil {
		wopts.Sealer = c.privacy.sealer
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.privacy.erasures.Follow(rctx) }()
	}
	c.writer = lrs.NewStatementWriter(store, c.live(), wopts)
	if c.docIndex, err = documentindex.OpenWithMemory(filepath.Join(dataDir, "documents"), log, memory(false)); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.docIndex.UseSealer(c.privacy.documentAgents()); err != nil {
		c.Close()
		return nil, err
	}
	if c.definitions, err = documentindex.OpenDefinitionsWithMemory(filepath.Join(dataDir, "definitions"), log, memory(false)); err != nil {
		c.Close()
		return nil, err
	}
	for _, rm := range []struct {
		p   projections.Projection
		dir string
	}{{c.docIndex, "documents"}, {c.definitions, "definitions"}} {
		if err := refuseAhead(ctx, store, rm.p, localRebuildHint(rm.p.Name(), filepath.Join(dataDir, rm.dir))); err != nil {
			c.Close()
			return nil, err
		}
	}
	// No MaxWait: document writes wait for the index before answering.
	c.docRun = projections.NewRunner(store, c.docIndex, projections.Options{Logger: log, MaxBatch: 2000, Quarantine: c.quarantine})
	c.defRun = projections.NewRunner(store, c.definitions, projections.Options{Logger: log, MaxBatch: 2000, Quarantine: c.quarantine})
	c.wg.Add(2)
	go func() { defer c.wg.Done(); _ = c.docRun.Run(rctx) }()
	go func() { defer c.wg.Done(); _ = c.defRun.Run(rctx) }()
	c.documents = documents.New(store, c.blobs, documentindex.Live{Index: c.docIndex, Runner: c.docRun}, documents.Options{
		Definitions: documentindex.LiveDefinitions{Definitions: c.definitions, Runner: c.defRun},
		Logger:      log,
		Sealer:      c.privacy.documentSealer(),
	})
	if reg != nil {
		projections.RegisterMetrics(reg, store, c.indexRun, c.docRun, c.defRun)
		stores := map[string]storagestats.Source{
			statementindex.Name: c.index, documentindex.Name: c.docIndex, documentindex.DefinitionsName: c.definitions,
		}
		if s, ok := store.(storagestats.Source); ok { // the embedded log
			stores["events"] = s
		}
		storagestats.Register(reg, stores)
	}
	return c, nil
}

// openStatementIndex opens the statement index in dataDir/index, sealing
// what it keeps when privacy is on (refused for an index built the other
// way: statementindex.ErrSealingChanged).
func openStatementIndex(dataDir string, log *slog.Logger, mem pebblemodel.Memory, privacy *privacyRuntime) (*statementindex.Index, error) {
	dir := filepath.Join(dataDir, "index")
	ix, err := statementindex.OpenWithMemory(dir, log, mem)
	if err != nil {
		return nil, err
	}
	if err := ix.UseSealer(privacy.indexSealer()); err != nil {
		_ = ix.Close()
		if errors.Is(err, statementindex.ErrSealingChanged) {
			return nil, fmt.Errorf("%w (or move %s away)", err, dir)
		}
		return nil, err
	}
	return ix, nil
}

// exporter writes access exports from the core's read models.
func (c *lrsCore) exporter() *export.Exporter {
	dir := directoryLookup{store: c.store}
	if c.privacy != nil {
		dir.keyring = c.privacy.keyring
	}
	return &export.Exporter{Statements: c.index, Index: c.docIndex, Documents: c.documents, Blobs: c.blobs, Directory: dir}
}

// live is the statement index with its runner.
func (c *lrsCore) live() statementindex.Live {
	return statementindex.Live{Index: c.index, Runner: c.indexRun}
}

// runners are the projection runners of the core, for status and metrics.
func (c *lrsCore) runners() []*projections.Runner {
	return []*projections.Runner{c.indexRun, c.docRun, c.defRun}
}

// Close stops the writer and the projectors, then closes the read models
// (the event store is the caller's).
func (c *lrsCore) Close() {
	if c.writer != nil {
		c.writer.Close()
	}
	c.cancel()
	c.wg.Wait()
	if err := c.index.Close(); err != nil {
		c.log.Error("closing statement index", "err", err)
	}
	if err := c.privacy.Close(); err != nil {
		c.log.Error("closing key store", "err", err)
	}
	if c.docIndex != nil {
		if err := c.docIndex.Close(); err != nil {
			c.log.Error("closing document index", "err", err)
		}
	}
	if c.definitions != nil {
		if err := c.definitions.Close(); err != nil {
			c.log.Error("closing activity definitions", "err", err)
		}
	}
}

// consistency is the Consistent-Through rule over this core's writer,
// log and statement index.
func (c *lrsCore) consistency() lrs.Consistency {
	return lrs.Consistency{Exclusive: c.exclusive, Writer: c.writer, Log: c.store, Index: c.live()}
}

// leaseTTL is how long a dead projector keeps the analytics lease.
const leaseTTL = 15 * time.Second

// startSharedRunner runs p. Over a shared store (KurrentDB), where other
// processes may run the same projection, it first holds the projection's
// lease so that only one of them writes (projections/lease). It returns
// the runner and a stop function that waits for it to end: the runner
// stops, the write in flight finishes, and only then is the lease released,
// so that the next holder (or a rebuild) never writes beside it.
func startSharedRunner(store eventstore.Store, exclusive bool, p projections.Projection, opts projections.Options, log *slog.Logger) (*projections.Runner, func()) {
	lctx, stopLease := context.WithCancel(context.Background())
	var lwg sync.WaitGroup
	if !exclusive {
		l := lease.New(store, p.Name(), holderID(), leaseTTL, log)
		opts.Gate = l
		lwg.Add(1)
		go func() { defer lwg.Done(); l.Run(lctx) }()
	}
	rctx, stopRunner := context.WithCancel(context.Background())
	r := projections.NewRunner(store, p, opts)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(rctx) }()
	return r, func() {
		stopRunner()
		<-done
		if pl, ok := p.(projections.Pipeliner); ok {
			_ = pl.Flush(context.Background())
		}
		stopLease()
		lwg.Wait()
	}
}

// holderID names this process in projection leases.
func holderID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), uuid.NewString()[:8])
}
