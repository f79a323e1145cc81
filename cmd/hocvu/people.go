package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hocvu/hocvu/privacy/erasure"
)

type peopleCmd struct {
	Erase    peopleEraseCmd    `cmd:"" help:"Erase a person (crypto-shredding, docs/privacy.md): destroy their keys, so that their names and identifiers read back as a placeholder everywhere. Cannot be undone."`
	Erasures peopleErasuresCmd `cmd:"" help:"List the erasures recorded (the audit list; it names people by subject only)."`
	Export   peopleExportCmd   `cmd:"" help:"Write everything kept about a person (statements, attachments, State and Agent Profile documents) to a ZIP archive, for an access request. Needs the data directory to itself: with a running server use POST /api/people/export."`
}

type peopleEraseCmd struct {
	storeConfig `embed:""`
	personFlags `embed:""`
	Reference   string `name:"reference" placeholder:"TICKET" help:"Your reference for the request (a ticket number), kept in the record. Never the person's name."`
}

// personFlags name the person of a people command.
type personFlags struct {
	Agent   string `name:"agent" placeholder:"JSON" help:"The person as an xAPI Agent, e.g. '{\"mbox\":\"mailto:an@example.vn\"}' or '{\"account\":{\"homePage\":\"https://vneid.gov.vn\",\"name\":\"012345678901\"}}'."`
	Account string `name:"account" placeholder:"HOMEPAGE,NAME" help:"The person by their account: homePage and name, separated by a comma (instead of --agent)."`
}

// agentJSON is the person, from --agent or --account.
func (c *personFlags) agentJSON() ([]byte, error) {
	switch {
	case (c.Agent == "") == (c.Account == ""):
		return nil, errorf("give the person with exactly one of --agent and --account")
	case c.Account != "":
		home, name, ok := strings.Cut(c.Account, ",")
		if !ok || home == "" || name == "" {
			return nil, errorf("--account=%q: give HOMEPAGE,NAME", c.Account)
		}
		return json.Marshal(map[string]any{"account": map[string]string{"homePage": home, "name": name}})
	}
	return []byte(c.Agent), nil
}

func (c *peopleEraseCmd) Run(ctx context.Context, g *globals) error {
	raw, err := c.agentJSON()
	if err != nil {
		return err
	}
	id, err := erasure.ParseAgent(raw)
	if err != nil {
		return errorf("--agent: %v", err)
	}
	return withPrivacy(ctx, c.storeConfig, g, func(p *privacyRuntime) error {
		rec, err := p.erasures.Erase(ctx, id, "cli", c.Reference)
		if errors.Is(err, erasure.ErrUnknownPerson) {
			return errorf("%v", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "erased subject %s at %s (position %s)\n", rec.Subject, rec.At.Format("2006-01-02T15:04:05Z"), rec.Position)
		return nil
	})
}

type peopleErasuresCmd struct {
	storeConfig `embed:""`
	JSON        bool `name:"json" help:"Print JSON instead of a table."`
}

func (c *peopleErasuresCmd) Run(ctx context.Context, g *globals) error {
	return withPrivacy(ctx, c.storeConfig, g, func(p *privacyRuntime) error {
		recs := p.erasures.Records()
		if c.JSON {
			if recs == nil {
				recs = []erasure.Record{}
			}
			enc := json.NewEncoder(g.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(recs)
		}
		w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "AT\tSUBJECT\tBY\tREFERENCE\tPOSITION")
		for _, r := range recs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.At.Format("2006-01-02T15:04:05Z"), r.Subject, r.By, r.Reference, r.Position)
		}
		return w.Flush()
	})
}

// withPrivacy opens the store and the keyring for fn; sealing must be on.
func withPrivacy(ctx context.Context, cfg storeConfig, g *globals, fn func(p *privacyRuntime) error) error {
	if !cfg.Seal {
		return errorf("sealing is off: give --seal-personal-data (HOCVU_SEAL_PERSONAL_DATA=true) as the LRS runs with it; without it no one can be erased (docs/privacy.md)")
	}
	store, _, err := openStore(ctx, cfg, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	p, err := openPrivacy(ctx, cfg, store, g.log)
	if err != nil {
		return err
	}
	defer p.Close()
	return fn(p)
}
