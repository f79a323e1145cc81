package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/hocvu/hocvu/lrs/auth"
)

// credentialsCmd manages LRS credentials. With the embedded store it opens
// the data directory itself, so `hocvu serve` must be stopped first; a
// server picks up the change when it starts (or at once, on a shared
// KurrentDB, since servers follow the credentials stream live).
type credentialsCmd struct {
	Create credentialsCreateCmd `cmd:"" help:"Create a credential and print its key and secret (the secret is shown only once)."`
	List   credentialsListCmd   `cmd:"" help:"List credentials (never their secrets)."`
	Revoke credentialsRevokeCmd `cmd:"" help:"Revoke a credential by key."`
}

type credentialsCreateCmd struct {
	storeConfig   `embed:""`
	Name          string `name:"name" required:"" help:"Who uses this credential, e.g. 'Cổng học tập tỉnh' (becomes the authority's name)."`
	Scopes        string `name:"scopes" default:"statements/write,statements/read/mine" help:"Comma-separated xAPI scopes: statements/write, statements/read, statements/read/mine, all/read, all, state, define, profile, analytics, forwards, people (erasure; not granted by all)."`
	Key           string `name:"key" help:"Use this key instead of a random one."`
	AuthorityHome string `name:"authority-home" env:"HOCVU_AUTHORITY_HOME" default:"https://hocvu.local/" help:"homePage of the authority account."`
}

func (c *credentialsCreateCmd) Run(ctx context.Context, g *globals) error {
	scopes, err := auth.ParseScopes(c.Scopes)
	if err != nil {
		return err
	}
	return withRegistry(ctx, c.storeConfig, g, func(r *auth.Registry) error {
		key := c.Key
		if key == "" {
			key = auth.NewKey()
		}
		if existing, ok := r.Get(key); ok && !existing.Revoked {
			return fmt.Errorf("a credential with key %q exists; revoke it first or choose another key", key)
		}
		secret := auth.NewSecret()
		if err := r.Set(ctx, auth.Credential{Key: key, Name: c.Name, Scopes: scopes, AuthorityHome: c.AuthorityHome}, secret); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "key:    %s\nsecret: %s\nscopes: %s\n\nUse them as HTTP Basic credentials (key as user name). The secret is not stored and cannot be shown again.\n",
			key, secret, strings.Join(scopes, ","))
		return nil
	})
}

type credentialsListCmd struct {
	storeConfig `embed:""`
}

func (c *credentialsListCmd) Run(ctx context.Context, g *globals) error {
	return withRegistry(ctx, c.storeConfig, g, func(r *auth.Registry) error {
		list := r.List()
		slices.SortFunc(list, func(a, b auth.Credential) int { return a.Created.Compare(b.Created) })
		w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "KEY\tNAME\tSCOPES\tCREATED\tSTATE")
		for _, cr := range list {
			state := "active"
			if cr.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", cr.Key, cr.Name, strings.Join(cr.Scopes, ","), cr.Created.Format("2006-01-02 15:04"), state)
		}
		return w.Flush()
	})
}

type credentialsRevokeCmd struct {
	storeConfig `embed:""`
	Key         string `arg:"" help:"Key of the credential to revoke."`
}

func (c *credentialsRevokeCmd) Run(ctx context.Context, g *globals) error {
	return withRegistry(ctx, c.storeConfig, g, func(r *auth.Registry) error {
		if err := r.Revoke(ctx, c.Key); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "revoked %s\n", c.Key)
		return nil
	})
}

func withRegistry(ctx context.Context, cfg storeConfig, g *globals, fn func(*auth.Registry) error) error {
	store, _, err := openStore(ctx, cfg, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	r := auth.NewRegistry(store, g.log)
	if err := r.Load(ctx); err != nil {
		return err
	}
	return fn(r)
}
