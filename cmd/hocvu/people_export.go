package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/privacy/export"
)

type peopleExportCmd struct {
	storeConfig `embed:""`
	personFlags `embed:""`
	Out         string `name:"out" short:"o" required:"" type:"path" placeholder:"FILE.zip" help:"The archive to write (replaced when it exists). It holds the person's data in clear: hand it over and delete it."`
}

func (c *peopleExportCmd) Run(ctx context.Context, g *globals) error {
	raw, err := c.agentJSON()
	if err != nil {
		return err
	}
	id, err := erasure.ParseAgent(raw)
	if err != nil {
		return errorf("--agent: %v", err)
	}
	store, exclusive, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	// The core's metrics go to a registry no one reads.
	core, err := startCore(ctx, store, exclusive, c.storeConfig, g.log, prometheus.NewRegistry())
	if err != nil {
		return err
	}
	defer core.Close()
	// The read models catch up with the whole log first.
	head, err := store.Head(ctx)
	if err != nil {
		return fmt.Errorf("read the log's head: %w", err)
	}
	fmt.Fprintln(g.stderr, "bringing the statement and document indexes up to date…")
	if err := core.indexRun.WaitFor(ctx, head); err != nil {
		return fmt.Errorf("statement index: %w", err)
	}
	if err := core.docRun.WaitFor(ctx, head); err != nil {
		return fmt.Errorf("document index: %w", err)
	}
	x := core.exporter()
	if err := x.Check(ctx, id); errors.Is(err, export.ErrNothingKept) {
		return errorf("%v", err)
	} else if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.Out), ".hocvu-export-*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	m, err := x.Write(ctx, tmp, id, raw)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", c.Out, err)
	}
	if err := os.Rename(tmp.Name(), c.Out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(g.stdout, "wrote %s: %d statements, %d attachments, %d documents\n", c.Out, m.Statements, m.Attachments, m.Documents)
	return nil
}
