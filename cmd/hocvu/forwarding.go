package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/forwarding/webhook"
	"github.com/hocvu/hocvu/forwarding/xapitarget"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/lease"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// forwardingConfig is the forwarding part of serve's configuration.
type forwardingConfig struct {
	forwardSecretsConfig `embed:""`
	Forwarding           bool `name:"forwarding" env:"HOCVU_FORWARDING" default:"true" negatable:"" help:"Deliver statement forwards from this process (over a shared store, one process at a time holds the forwarding lease); --no-forwarding leaves delivery to other processes."`
}

// forwardSecretsConfig is the key that seals forward targets' secrets.
type forwardSecretsConfig struct {
	ForwardSecretsKey string `name:"forward-secrets-key" env:"HOCVU_FORWARD_SECRETS_KEY" placeholder:"HEX" help:"Key (64 hex digits) that seals the secrets of forward targets in the log. Empty: a random key kept in <data-dir>/forward-secrets.key. Keep it the same on every process of a shared store."`
}

// box opens (or creates) the forward-secrets key.
func (c forwardSecretsConfig) box(dataDir string, log *slog.Logger) (*forwarding.SecretBox, error) {
	file := filepath.Join(dataDir, "forward-secrets.key")
	key, created, err := forwarding.LoadOrCreateSecretsKey(c.ForwardSecretsKey, file)
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("created a random forward-secrets key; set HOCVU_FORWARD_SECRETS_KEY to share one key between processes", "file", file)
	}
	return forwarding.NewSecretBox(key)
}

// newForwardTarget builds a forward's target.
func newForwardTarget(f *forwarding.Forward, secret string) (forwarding.Target, error) {
	agent := "hocvu/" + buildVersion()
	switch f.Target.Kind {
	case forwarding.TargetXAPI:
		return xapitarget.New(&f.Target, secret, xapitarget.Options{UserAgent: agent})
	case forwarding.TargetWebhook:
		return webhook.New(&f.Target, secret, webhook.Options{UserAgent: agent})
	}
	return nil, fmt.Errorf("unknown target kind %q", f.Target.Kind)
}

// forwardingRuntime is statement forwarding inside serve or project: the
// registry of forwards, the service behind /api/forwards and, when this
// process delivers, the supervisor of the forwarders.
type forwardingRuntime struct {
	registry   *forwarding.Registry
	service    *forwarding.Service
	supervisor *forwarding.Supervisor
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// startForwarding loads the forwards and follows them; with deliver, it
// runs their forwarders, under the lease "forwarding" over a shared store
// so that one process delivers each forward.
func startForwarding(ctx context.Context, store eventstore.Store, exclusive bool, dataDir string, deliver bool, secrets forwardSecretsConfig,
	ps *analytics.Pseudonymizer, lookup forwarding.StatementLookup, privacy *privacyRuntime, log *slog.Logger, reg prometheus.Registerer) (*forwardingRuntime, error) {
	box, err := secrets.box(dataDir, log)
	if err != nil {
		return nil, err
	}
	rt := &forwardingRuntime{registry: forwarding.NewRegistry(store, log)}
	if err := rt.registry.Load(ctx); err != nil {
		return nil, err
	}
	eventstore.RegisterFoldSkips(reg, forwarding.Stream, rt.registry.Skipped)
	rctx, cancel := context.WithCancel(context.Background())
	rt.cancel = cancel
	rt.wg.Add(1)
	go func() { defer rt.wg.Done(); rt.registry.Follow(rctx) }()
	if deliver {
		var gate forwarding.Gate
		if !exclusive {
			host, _ := os.Hostname()
			l := lease.New(store, "forwarding", fmt.Sprintf("%s-%d-%s", host, os.Getpid(), uuid.NewString()[:8]), leaseTTL, log)
			gate = l
			rt.wg.Add(1)
			go func() { defer rt.wg.Done(); l.Run(rctx) }()
		}
		env := forwarding.Env{Store: store, Registry: rt.registry, Targets: newForwardTarget, Secrets: box,
			Pseudonyms: ps, Lookup: lookup, Gate: gate, Log: log, Quarantine: projections.NewLogQuarantine(store)}
		if privacy != nil {
			env.Opener = privacy.sealer
		}
		rt.supervisor = forwarding.NewSupervisor(env)
		rt.wg.Add(1)
		go func() { defer rt.wg.Done(); rt.supervisor.Run(rctx) }()
		if reg != nil {
			reg.MustRegister(rt.supervisor.Collector(store))
		}
	}
	rt.service = forwarding.NewService(rt.registry, store, forwarding.ServiceOptions{Secrets: box, Targets: newForwardTarget, Supervisor: rt.supervisor})
	return rt, nil
}

// openStatementLookup opens the statement index in dataDir and keeps it
// following the log, for a process (hocvu project) that forwards without
// running the LRS: forwarders look voided statements up in it. It takes
// the statement index's share of cfg's memory budget.
func openStatementLookup(store eventstore.Store, cfg storeConfig, privacy *privacyRuntime, log *slog.Logger) (forwarding.StatementLookup, func(), error) {
	cache, memory := cfg.modelMemory()
	defer cache.Close()
	ix, err := openStatementIndex(cfg.DataDir, log, memory(true), privacy)
	if err != nil {
		return nil, nil, err
	}
	run := projections.NewRunner(store, ix, projections.Options{Logger: log, MaxBatch: 2000})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = run.Run(ctx) }()
	return statementindex.Live{Index: ix, Runner: run}, func() {
		cancel()
		<-done
		if err := ix.Close(); err != nil {
			log.Error("closing statement index", "err", err)
		}
	}, nil
}

// Close stops the forwarders (a batch in flight is sent again at the next
// start) and the registry.
func (rt *forwardingRuntime) Close() {
	rt.cancel()
	rt.wg.Wait()
}
