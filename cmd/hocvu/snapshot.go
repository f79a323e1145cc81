package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections/documentindex"
	"github.com/hocvu/hocvu/projections/projectionsapi"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// snapshotter takes snapshots of a replica's local read models (POST
// /api/projections/snapshot) into new sub-directories of dir, named by
// time and laid out as a data directory (startCore's "index",
// "documents", "definitions"), so that a new replica started on a copy of
// one resumes each read model from its position instead of the start of
// the log. With the embedded store the log is copied too ("events"),
// after the read models, so that no copied checkpoint is past the copied
// log's end: the snapshot is then also a restore point.
type snapshotter struct {
	dir    string // --snapshot-dir; "" turns snapshots off
	core   *lrsCore
	events *pebblestore.Store // the embedded store; nil over KurrentDB

	mu sync.Mutex // one snapshot at a time
}

func newSnapshotter(dir string, core *lrsCore, store eventstore.Store) *snapshotter {
	s := &snapshotter{dir: dir, core: core}
	s.events, _ = store.(*pebblestore.Store)
	return s
}

// take writes a snapshot. It is built under a hidden ".<name>.partial"
// directory and renamed when complete, so a directory without that
// prefix is always a whole snapshot.
func (s *snapshotter) take(ctx context.Context) (projectionsapi.SnapshotTaken, error) {
	if s.dir == "" {
		return projectionsapi.SnapshotTaken{}, projectionsapi.ErrSnapshotsOff
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now().UTC()
	name := start.Format("20060102T150405.000Z")
	final := filepath.Join(s.dir, name)
	tmp := filepath.Join(s.dir, "."+name+".partial")
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return projectionsapi.SnapshotTaken{}, fmt.Errorf("snapshot: %w", err)
	}
	if err := os.Mkdir(tmp, 0o750); err != nil {
		return projectionsapi.SnapshotTaken{}, fmt.Errorf("snapshot: %w", err)
	}
	taken, err := s.write(ctx, tmp)
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return projectionsapi.SnapshotTaken{}, fmt.Errorf("snapshot into %s: %w", final, err)
	}
	taken.Dir, taken.TakenAt = final, start
	s.core.log.Info("snapshot taken", "dir", final, "duration", time.Since(start).Round(time.Millisecond))
	return taken, nil
}

// write copies each read model, then the embedded log, into dir.
func (s *snapshotter) write(ctx context.Context, dir string) (projectionsapi.SnapshotTaken, error) {
	var taken projectionsapi.SnapshotTaken
	for _, rm := range []struct {
		name, sub string
		snap      func(string) (eventstore.Position, error)
	}{
		{statementindex.Name, "index", s.core.index.Snapshot},
		{documentindex.Name, "documents", s.core.docIndex.Snapshot},
		{documentindex.DefinitionsName, "definitions", s.core.definitions.Snapshot},
	} {
		if err := ctx.Err(); err != nil {
			return taken, err
		}
		pos, err := rm.snap(filepath.Join(dir, rm.sub))
		if err != nil {
			return taken, err
		}
		taken.ReadModels = append(taken.ReadModels, projectionsapi.SnapshotModel{Name: rm.name, Dir: rm.sub, Position: pos.String(), Commit: pos.Commit})
	}
	if s.events != nil {
		if err := s.events.Snapshot(filepath.Join(dir, "events")); err != nil {
			return taken, err
		}
		taken.EventStore = "events"
	}
	return taken, nil
}
