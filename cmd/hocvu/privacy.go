package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/keys/kurrentkeys"
	"github.com/hocvu/hocvu/privacy/keys/pebblekeys"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/projections/documentindex"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// privacyConfig turns sealing (crypto-shredding, docs/privacy.md) on and
// names the master key. Commands that touch the log embed it (through
// storeConfig), so that every process seals, indexes and pseudonymizes
// the same way.
type privacyConfig struct {
	Seal          bool   `name:"seal-personal-data" env:"HOCVU_SEAL_PERSONAL_DATA" help:"Seal the people in every statement under a key of their own (crypto-shredding), so that 'hocvu people erase' can erase them from the log, the read models and backups made afterwards (docs/privacy.md). Turning it on or off for an existing data set needs a rebuild of the statement index and the analytics. Keep it the same on every process."`
	MasterKey     string `name:"master-key" env:"HOCVU_MASTER_KEY" placeholder:"HEX" help:"Master key (64 hex digits; make one with: openssl rand -hex 32) that wraps the people's keys, with --seal-personal-data. Empty: the key in --master-key-file, created on first start. Losing it loses every sealed name and identifier; a wrong one refuses to start."`
	MasterKeyFile string `name:"master-key-file" env:"HOCVU_MASTER_KEY_FILE" type:"path" placeholder:"FILE" help:"File holding the master key when --master-key is empty (default <data-dir>/master.key). Keep it out of the backups of the data directory."`
}

// privacyRuntime is a process's keyring and erasure registry; nil when
// sealing is off.
type privacyRuntime struct {
	keyring  *keys.Keyring
	sealer   sealing.Sealer
	erasures *erasure.Registry
	close    func() error
}

// openPrivacy opens the key store (embedded: <data-dir>/keys; with
// KurrentDB: streams in KurrentDB) and the keyring, refusing a wrong
// master key, and loads the erasures, destroying again the keys of every
// recorded one (an interrupted erasure, a restored key store). It returns
// nil when sealing is off.
func openPrivacy(ctx context.Context, cfg storeConfig, store eventstore.Store, log *slog.Logger) (*privacyRuntime, error) {
	if !cfg.Seal {
		return nil, nil
	}
	file := cfg.MasterKeyFile
	if file == "" {
		file = filepath.Join(cfg.DataDir, "master.key")
	}
	master, created, err := keys.LoadMasterKey(cfg.MasterKey, file)
	if err != nil {
		return nil, fmt.Errorf("--master-key / --master-key-file: %w", err)
	}
	if created {
		log.Warn("created a random master key; back it up apart from the data (losing it loses every sealed name and identifier), or set HOCVU_MASTER_KEY", "file", file)
	}
	var ks keys.Store
	closeStore := func() error { return nil }
	if cfg.EventStore == "" {
		ps, err := pebblekeys.Open(ctx, filepath.Join(cfg.DataDir, "keys"), pebblekeys.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("open the key store: %w", err)
		}
		ks, closeStore = ps, ps.Close
	} else {
		kl, ok := store.(kurrentkeys.Log)
		if !ok {
			return nil, errors.New("the event store cannot keep keys (no stream tombstones)")
		}
		ks = kurrentkeys.New(kl)
	}
	kr, err := keys.Open(ctx, ks, master)
	if err != nil {
		_ = closeStore()
		if errors.Is(err, keys.ErrWrongMasterKey) {
			return nil, fmt.Errorf("%w: refusing to start (the key store was made with another master key; give the one it was made with)", err)
		}
		return nil, fmt.Errorf("open the keyring: %w", err)
	}
	// The seal cache keeps about 400 bytes per person for the 16,384 most
	// recent: a learner's statements are sealed once per key.
	p := &privacyRuntime{keyring: kr, sealer: sealing.Sealer{Keys: kr, Cache: sealing.NewSealCache(16384)}, close: closeStore}
	p.erasures = erasure.New(store, kr, log)
	if err := p.erasures.Load(ctx); err != nil {
		_ = closeStore()
		return nil, err
	}
	if err := p.erasures.Reconcile(ctx); err != nil {
		_ = closeStore()
		return nil, err
	}
	return p, nil
}

// Close closes the key store.
func (p *privacyRuntime) Close() error {
	if p == nil {
		return nil
	}
	return p.close()
}

// indexSealer is the statement index's sealer: nil when sealing is off.
func (p *privacyRuntime) indexSealer() statementindex.Sealer {
	if p == nil {
		return nil
	}
	return p.sealer
}

// documentSealer seals the documents of a person: nil when sealing is off.
func (p *privacyRuntime) documentSealer() documents.Sealer {
	if p == nil {
		return nil
	}
	return sealing.Content{Keys: p.keyring}
}

// documentAgents maps the agents of the document index: nil when sealing
// is off.
func (p *privacyRuntime) documentAgents() documentindex.AgentKeys {
	if p == nil {
		return nil
	}
	return sealing.Content{Keys: p.keyring}
}

// mapPseudonyms makes ps pseudonymize people by their sealed form when
// sealing is on.
func (p *privacyRuntime) mapPseudonyms(ps *analytics.Pseudonymizer) {
	if p != nil && ps != nil {
		ps.MapAgentKeys(p.sealer.AgentKey)
	}
}

// sealDirectory makes a reference-data load seal the learner directory
// (reference.learners.sealed.v1) when sealing is on, keeping no account
// of a person erased already.
func (p *privacyRuntime) sealDirectory(opts *reference.LoadOptions) {
	if p == nil {
		return
	}
	erased := map[string]bool{}
	for _, r := range p.erasures.Records() {
		erased[r.Subject] = true
	}
	opts.Keys, opts.Erased = p.keyring, func(subject string) bool { return erased[subject] }
}
