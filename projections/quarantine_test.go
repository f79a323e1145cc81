package projections_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
)

var golden = projections.Quarantined{
	Projection: "statement-index", EventID: "7ccd3322-e1a5-411a-a67d-6a735c76f119", EventType: "xapi.statement.stored.v1",
	Stream: "xapi-statements", Revision: 41, Position: "1042", Recorded: time.Date(2026, 11, 30, 1, 2, 3, 456000000, time.UTC),
	Error: `statementindex: event 7ccd3322-… at 1042: decode statement: invalid JSON: unexpected EOF`,
	At:    time.Date(2026, 11, 30, 1, 5, 0, 0, time.UTC),
}

// Stored formats are permanent: the quarantine record's data and its
// deterministic id are golden.
func TestQuarantineEventGolden(t *testing.T) {
	got, err := json.MarshalIndent(golden, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", projections.EventQuarantined+".json")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(got)+"\n" {
		t.Errorf("%s changed:\n%s\nwant:\n%s", path, got, want)
	}
	var back projections.Quarantined
	if err := json.Unmarshal(want, &back); err != nil || back != golden {
		t.Errorf("golden data does not decode back: %+v, %v", back, err)
	}
	// The id derives from projection, position and event id only.
	if id := golden.ID().String(); id != "362231d3-bce9-5106-9fee-b0f9f8589086" {
		t.Errorf("deterministic id changed: %s", id)
	}
	other := golden
	other.Error, other.At = "another message", other.At.Add(time.Hour)
	if other.ID() != golden.ID() {
		t.Error("the id depends on more than projection, position and event id")
	}
	other.Projection = "analytics-duckdb"
	if other.ID() == golden.ID() {
		t.Error("two projections share a record id")
	}
}

// The quarantine holds each record once, also when added again by a new
// process, and List skips event types it does not know.
func TestLogQuarantineDeduplicates(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if recs, err := projections.NewLogQuarantine(store).List(ctx); err != nil || len(recs) != 0 {
		t.Fatalf("empty quarantine: %v %v", recs, err)
	}
	for i := 0; i < 3; i++ {
		added, err := projections.NewLogQuarantine(store).Add(ctx, golden)
		if err != nil || added != (i == 0) {
			t.Fatalf("add %d: added %v, %v", i, added, err)
		}
	}
	if _, err := store.Append(ctx, projections.QuarantineStream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "projection.event.future.v9", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	recs, err := projections.NewLogQuarantine(store).List(ctx)
	if err != nil || len(recs) != 1 || recs[0] != golden {
		t.Fatalf("list: %+v, %v", recs, err)
	}
}
