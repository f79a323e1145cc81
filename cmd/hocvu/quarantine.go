package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hocvu/hocvu/projections"
)

type projectionsQuarantineCmd struct {
	storeConfig `embed:""`
	JSON        bool   `name:"json" help:"Print the records as JSON lines."`
	Projection  string `name:"projection" placeholder:"NAME" help:"Only the records of this projection."`
}

// Run lists the quarantine: every event a projection could not apply and
// skipped, oldest first.
func (c *projectionsQuarantineCmd) Run(ctx context.Context, g *globals) error {
	store, _, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	recs, err := projections.NewLogQuarantine(store).List(ctx)
	if err != nil {
		return err
	}
	var shown []projections.Quarantined
	for _, r := range recs {
		if c.Projection == "" || r.Projection == c.Projection {
			shown = append(shown, r)
		}
	}
	if c.JSON {
		enc := json.NewEncoder(g.stdout)
		for _, r := range shown {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(shown) == 0 {
		fmt.Fprintln(g.stdout, "no poison events: the quarantine is empty")
		return nil
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "QUARANTINED\tPROJECTION\tPOSITION\tEVENT ID\tTYPE\tSTREAM\tERROR\n")
	for _, r := range shown {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s@%d\t%s\n", r.At.Format(time.RFC3339), r.Projection, r.Position, r.EventID, r.EventType,
			r.Stream, r.Revision, oneLine(r.Error, 120))
	}
	return w.Flush()
}

// oneLine makes s fit one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
