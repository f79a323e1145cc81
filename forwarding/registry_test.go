package forwarding_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/forwarding"
)

// An undecodable configuration event is skipped, logged at ERROR with the
// poison-event alert and counted; the events around it apply, it still
// signals a change, and the registry appends after it.
func TestRegistrySkipsUndecodableEvents(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	created, err := os.ReadFile(filepath.Join("testdata", "events", forwarding.EventCreated+".json"))
	if err != nil {
		t.Fatal(err)
	}
	appendRaw(t, s, forwarding.Stream, forwarding.EventCreated, created)
	var buf bytes.Buffer
	reg := forwarding.NewRegistry(s, slog.New(slog.NewJSONHandler(&buf, nil)))
	if err := reg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	st, ok := reg.Get("ministry")
	if !ok {
		t.Fatal("the golden forward did not fold")
	}
	changed := reg.Changed()
	poison := []string{forwarding.EventChanged, forwarding.EventPaused, forwarding.EventRetryRequested}
	for _, typ := range poison {
		appendRaw(t, s, forwarding.Stream, typ, []byte(`["`+st.ID+`"]`))
	}
	if err := reg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Error("skipped events did not signal a change")
	}
	if got, ok := reg.Get("ministry"); !ok || got.Paused || got.Version != st.Version || len(reg.Retries(st.ID)) != 0 {
		t.Errorf("after undecodable events: %+v, %d retries", got, len(reg.Retries(st.ID)))
	}
	if reg.Skipped() != 3 {
		t.Errorf("Skipped = %d, want 3", reg.Skipped())
	}
	var types []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["level"] != "ERROR" || m["alert"] != eventstore.AlertRegistryPoisonEvent || m["stream"] != forwarding.Stream {
			t.Errorf("log line %v", m)
		}
		types = append(types, fmt.Sprint(m["event_type"]))
	}
	if !slices.Equal(types, poison) {
		t.Errorf("logged event types %v, want %v", types, poison)
	}
	if err := reg.Pause(ctx, st.ID, "maintenance"); err != nil {
		t.Fatalf("append after skipped events: %v", err)
	}
	if got, _ := reg.Get("ministry"); !got.Paused {
		t.Error("the pause read back was not applied")
	}
}
