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

const exposition = `# HELP hocvu_storage_compaction_debt_bytes Estimated bytes.
# TYPE hocvu_storage_compaction_debt_bytes gauge
hocvu_storage_compaction_debt_bytes{store="events"} 0
hocvu_storage_compaction_debt_bytes{store="statement-index"} %d
hocvu_storage_compactions_in_progress{store="events"} 0
hocvu_storage_compactions_in_progress{store="statement-index"} %d
hocvu_storage_flushes_in_progress{store="statement-index"} 0
hocvu_storage_read_amplification{store="statement-index"} %d
hocvu_storage_disk_bytes{store="statement-index"} 1.5e+09
hocvu_projection_position{projection="statement-index"} 12
`

func TestParseStorageStates(t *testing.T) {
	got, err := parseStorageStates(strings.NewReader(fmt.Sprintf(exposition, 3_000_000, 1, 9)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]storeState{"events": {}, "statement-index": {debt: 3e6, compacting: 1, readAmp: 9}}
	if len(got) != 2 || got["events"] != want["events"] || got["statement-index"] != want["statement-index"] {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got["statement-index"].settled() || !got["events"].settled() {
		t.Errorf("settled: %+v", got)
	}
	if _, err := parseStorageStates(strings.NewReader(`hocvu_storage_read_amplification{store="x"} many`)); err == nil {
		t.Error("a malformed value gave no error")
	}
}

// TestWaitSettled: the wait ends once the stores have been calm twice in
// a row, and at the timeout when they never are.
func TestWaitSettled(t *testing.T) {
	var scrapes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := scrapes.Add(1)
		switch {
		case n <= 2: // compacting
			fmt.Fprintf(w, exposition, 5_000_000, 1, 12)
		case n == 3: // one calm scrape, then a flush
			fmt.Fprintf(w, exposition, 0, 0, 5)
		case n == 4:
			fmt.Fprintf(w, exposition, 1, 0, 5)
		default:
			fmt.Fprintf(w, exposition, 0, 0, 4)
		}
	}))
	defer srv.Close()
	states, settled, err := waitSettled(context.Background(), srv.URL, time.Minute, &strings.Builder{})
	if err != nil || !settled || states["statement-index"].readAmp != 4 || scrapes.Load() != 6 {
		t.Errorf("settled %v after %d scrapes, states %+v, %v; want settled at the 6th scrape", settled, scrapes.Load(), states, err)
	}

	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, exposition, 5_000_000, 1, 12)
	}))
	defer busy.Close()
	states, settled, err = waitSettled(context.Background(), busy.URL, 1500*time.Millisecond, &strings.Builder{})
	if err != nil || settled || states["statement-index"].debt != 5e6 {
		t.Errorf("a store that never settles: settled %v, %+v, %v", settled, states, err)
	}

	none := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer none.Close()
	if _, _, err := waitSettled(context.Background(), none.URL, time.Second, &strings.Builder{}); err == nil {
		t.Error("a server without storage metrics gave no error")
	}
}
