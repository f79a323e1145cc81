package simulate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/simulate"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
)

func openStore(t *testing.T) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(filepath.Join(t.TempDir(), "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func readAll(t *testing.T, s eventstore.StreamReader) []eventstore.RecordedEvent {
	t.Helper()
	var all []eventstore.RecordedEvent
	for from := uint64(0); ; {
		evs, err := s.ReadStream(context.Background(), lrs.StatementsStream, eventstore.ReadStreamOptions{From: from, Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, evs...)
		if len(evs) < 1000 {
			return all
		}
		from = evs[len(evs)-1].Revision + 1
	}
}

// TestWriteBulk: the statements land in xapi-statements exactly as the
// LRS would store them, in stored order, and a second run resumes.
func TestWriteBulk(t *testing.T) {
	ctx := context.Background()
	c := generate(t, 300, 5)
	s := openStore(t)
	var progress []int
	res, err := c.WriteBulk(ctx, s, simulate.BulkOptions{Credential: "hocvu-simulate", EventsPerAppend: 700, Progress: func(n int) { progress = append(progress, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Appended != c.Len() || res.Appends != (c.Len()+699)/700 || progress[len(progress)-1] != c.Len() {
		t.Fatalf("result %+v, progress %v, %d statements", res, progress, c.Len())
	}
	evs := readAll(t, s)
	if len(evs) != c.Len() {
		t.Fatalf("%d events, %d statements", len(evs), c.Len())
	}
	batches := map[string]int{}
	var last string
	for i, ev := range evs {
		want := c.Append(nil, i, simulate.FormStored)
		if ev.Type != lrs.EventStatementStored || ev.ID != c.StatementID(i) || !bytes.Equal(ev.Data, want) {
			t.Fatalf("event %d: type %s id %s\n got %s\nwant %s", i, ev.Type, ev.ID, ev.Data, want)
		}
		var st struct {
			ID, Stored, Timestamp, Version string
			Authority                      map[string]any
		}
		if err := json.Unmarshal(ev.Data, &st); err != nil {
			t.Fatal(err)
		}
		if st.ID != ev.ID.String() || st.Version != "2.0.0" || st.Authority == nil || st.Stored < last || len(st.Stored) != len(lrs.StoredLayout)-5 {
			t.Fatalf("event %d: %+v (previous stored %s)", i, st, last)
		}
		last = st.Stored
		var meta lrs.StatementStoredMeta
		if err := json.Unmarshal(ev.Metadata, &meta); err != nil {
			t.Fatal(err)
		}
		if meta.Credential != "hocvu-simulate" || meta.XAPIVersion != "2.0.0" || !meta.Define || uuid.Validate(meta.Batch) != nil {
			t.Fatalf("event %d metadata %+v", i, meta)
		}
		batches[meta.Batch]++
	}
	if len(batches) != res.Appends {
		t.Errorf("%d batches in metadata, %d appends", len(batches), res.Appends)
	}
	// Running again resumes after the last statement: nothing to do.
	again, err := c.WriteBulk(ctx, s, simulate.BulkOptions{})
	if err != nil || again.Appended != 0 || again.Skipped != c.Len() {
		t.Fatalf("second run: %+v, %v", again, err)
	}
}

func TestWriteBulkResumesAndRefusesOlderCampaigns(t *testing.T) {
	ctx := context.Background()
	c := generate(t, 200, 6)
	s := openStore(t)
	// Write the first 1000 statements the way an interrupted run would
	// have left them.
	half := 1000
	var evs []eventstore.EventData
	for i := 0; i < half; i++ {
		evs = append(evs, eventstore.EventData{ID: c.StatementID(i), Type: lrs.EventStatementStored, Data: c.Append(nil, i, simulate.FormStored)})
	}
	if _, err := s.Append(ctx, lrs.StatementsStream, eventstore.NoStream, evs...); err != nil {
		t.Fatal(err)
	}
	res, err := c.WriteBulk(ctx, s, simulate.BulkOptions{})
	if err != nil || res.Skipped != half || res.Appended != c.Len()-half {
		t.Fatalf("resume: %+v, %v", res, err)
	}
	if n := len(readAll(t, s)); n != c.Len() {
		t.Fatalf("%d events after resuming, want %d", n, c.Len())
	}
	// Another campaign, earlier in time than the log's end, is refused.
	cfg := simulate.DefaultConfig()
	cfg.Learners, cfg.Seed = 50, 9
	cfg.To = time.Date(2025, 9, 1, 0, 0, 0, 0, simulate.Local)
	older, err := simulate.Generate(ctx, cfg, simulate.Authority("https://hocvu.local/", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := older.WriteBulk(ctx, s, simulate.BulkOptions{}); err == nil || !strings.Contains(err.Error(), "must not decrease") {
		t.Errorf("older campaign: %v", err)
	}
	// Without an authority there is nothing to store.
	noAuth, _ := simulate.Generate(ctx, cfg, nil)
	if _, err := noAuth.WriteBulk(ctx, openStore(t), simulate.BulkOptions{}); err == nil {
		t.Error("bulk without authority: no error")
	}
}
