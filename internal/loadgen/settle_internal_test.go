package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// exposition is a /metrics page: the statement index's debt, compactions
// running, compactions done and read amplification, then fixed series.
const exposition = `# HELP hocvu_storage_compaction_debt_bytes Estimated bytes.
# TYPE hocvu_storage_compaction_debt_bytes gauge
hocvu_storage_compaction_debt_bytes{store="events"} 0
hocvu_storage_compaction_debt_bytes{store="statement-index"} %d
hocvu_storage_compactions_in_progress{store="events"} 0
hocvu_storage_compactions_in_progress{store="statement-index"} %d
hocvu_storage_compactions_total{store="statement-index"} %d
hocvu_storage_flushes_in_progress{store="statement-index"} 0
hocvu_storage_flushes_total{store="statement-index"} 3
hocvu_storage_read_amplification{store="statement-index"} %d
hocvu_storage_disk_bytes{store="statement-index"} 1.5e+09
hocvu_projection_position{projection="statement-index"} 12
`

func TestParseStorageStates(t *testing.T) {
	got, err := parseStorageStates(strings.NewReader(fmt.Sprintf(exposition, 3_000_000, 1, 40, 9)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]storeState{"events": {}, "statement-index": {debt: 3e6, compacting: 1, compactions: 40, flushes: 3, readAmp: 9}}
	if len(got) != 2 || got["events"] != want["events"] || got["statement-index"] != want["statement-index"] {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got["statement-index"].idle() || !got["events"].idle() {
		t.Errorf("idle: %+v", got)
	}
	if _, err := parseStorageStates(strings.NewReader(`hocvu_storage_read_amplification{store="x"} many`)); err == nil {
		t.Error("a malformed value gave no error")
	}
}

// TestWaitSettled: the wait ends once no store has run or finished a
// compaction for calmFor, whatever debt is left, and at the timeout when
// the stores never calm down.
func TestWaitSettled(t *testing.T) {
	defer func(c, p time.Duration) { calmFor, pollEvery = c, p }(calmFor, pollEvery)
	calmFor, pollEvery = 50*time.Millisecond, 10*time.Millisecond

	var scrapes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := scrapes.Add(1)
		switch {
		case n <= 3: // compacting
			fmt.Fprintf(w, exposition, 90_000_000, 1, 40, 12)
		case n <= 6: // idle, but a compaction finished between two looks
			fmt.Fprintf(w, exposition, 66_000_000, 0, 36+n, 5)
		default: // idle, with debt left that Pebble will not compact
			fmt.Fprintf(w, exposition, 66_000_000, 0, 43, 4)
		}
	}))
	defer srv.Close()
	start := time.Now()
	states, settled, err := waitSettled(context.Background(), srv.URL, time.Minute, &strings.Builder{})
	if err != nil || !settled || states["statement-index"].readAmp != 4 || states["statement-index"].debt != 66e6 {
		t.Fatalf("settled %v, states %+v, %v", settled, states, err)
	}
	// Calm from the 8th scrape on (the 7th still counts one compaction
	// more than the 6th), then for calmFor.
	if n := scrapes.Load(); n < 8+int32(calmFor/pollEvery)-1 || time.Since(start) < calmFor {
		t.Errorf("settled after %d scrapes and %s; want calm for %s after the last compaction finished", n, time.Since(start), calmFor)
	}

	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, exposition, 5_000_000, 1, 40, 12)
	}))
	defer busy.Close()
	states, settled, err = waitSettled(context.Background(), busy.URL, 200*time.Millisecond, &strings.Builder{})
	if err != nil || settled || states["statement-index"].compacting != 1 {
		t.Errorf("a store that keeps compacting: settled %v, %+v, %v", settled, states, err)
	}

	var done atomic.Int32
	churning := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, exposition, 5_000_000, 0, done.Add(1), 12) // short compactions between looks
	}))
	defer churning.Close()
	if _, settled, err := waitSettled(context.Background(), churning.URL, 200*time.Millisecond, &strings.Builder{}); err != nil || settled {
		t.Errorf("a store that finishes a compaction between every two looks: settled %v, %v", settled, err)
	}

	none := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer none.Close()
	if _, _, err := waitSettled(context.Background(), none.URL, time.Second, &strings.Builder{}); err == nil {
		t.Error("a server without storage metrics gave no error")
	}
}
