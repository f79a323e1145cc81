package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/projections"
)

// analyticsRebuildHint says how to rebuild the analytics after a restore.
const analyticsRebuildHint = "Stop every `hocvu project` (and `hocvu serve` running the analytics projector), run `hocvu projections rebuild analytics`, then start them again (docs/deploy.md, Restores)"

// localRebuildHint says how to rebuild a read model of the data directory.
func localRebuildHint(name, dir string) string {
	return fmt.Sprintf("Delete %s (it is rebuilt from the log at the next start), or run `hocvu projections rebuild %s` on this data directory with hocvu serve stopped (docs/deploy.md, Restores)", dir, name)
}

// refuseAhead refuses to start read model p when its checkpoint is past
// the end of the log, which happens after the log was restored from an
// older backup: projecting from there would skip the events appended next.
// how says how to rebuild it.
func refuseAhead(ctx context.Context, store eventstore.Store, p projections.Projection, how string) error {
	cp, err := readPosition(ctx, p)
	if err != nil {
		return fmt.Errorf("read the checkpoint of %s: %w", p.Name(), err)
	}
	err = projections.CheckCheckpoint(ctx, store, p.Name(), cp)
	if errors.Is(err, projections.ErrCheckpointAhead) {
		return fmt.Errorf("%w. %s", err, how)
	}
	return err
}
