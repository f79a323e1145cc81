package main_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/internal/proctest"
	"github.com/hocvu/hocvu/projections/lease"
)

// TestRebuildHoldsTheProjectorLease runs `hocvu projections rebuild
// analytics` beside the production shape on a shared KurrentDB: an API
// and a projector writing ClickHouse. While the projector is live the
// rebuild refuses (it would empty the tables under it); with the projector
// stopped, the rebuild holds the lease while statements keep arriving and
// a new projector starts, which waits for the lease and then carries on.
// The analytics end with exactly the statements posted, and the lease
// stream shows one writer at a time.
func TestRebuildHoldsTheProjectorLease(t *testing.T) {
	kdb := kurrenttest.New(t, kurrenttest.Options{})
	ch := chtest.Start(t)
	env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+kdb.URL(), "HOCVU_CLICKHOUSE_URL="+ch.DSN("hocvu_rebuild"),
		"HOCVU_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef")
	api := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	proj1 := proctest.Start(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--batch-size=100")

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	base := time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	posted := 0
	post := func(n int) {
		for i := 0; i < n; i += 50 {
			var batch []map[string]any
			for j := 0; j < 50; j++ {
				batch = append(batch, campaignStatement(rng.IntN(300), "21172", base.Add(time.Duration(posted+j)*time.Hour)))
			}
			if code := doJSON(t, "POST", api.URL()+"/xapi/statements", batch, nil); code != 200 {
				t.Fatalf("POST: %d", code)
			}
			posted += 50
		}
	}
	lessons := func() float64 {
		var res result
		if code := doJSON(t, "GET", api.URL()+"/api/analytics/summary", nil, &res); code != 200 || len(res.Rows) != 1 {
			t.Fatalf("analytics: %d %v", code, res.Rows)
		}
		return res.Rows[0][2].(float64)
	}
	waitExact := func() {
		want := float64(posted)
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			got := lessons()
			if got == want {
				return
			}
			if got > want {
				t.Fatalf("analytics count %v lesson completions, more than the %v posted: a double write", got, want)
			}
			if time.Now().After(deadline) {
				t.Fatalf("analytics count %v lesson completions, want %v", got, want)
			}
		}
	}

	post(500)
	waitExact()

	// A rebuild beside the live projector refuses, and changes nothing.
	code, _, stderr := proctest.Run(t, env, "projections", "rebuild", "analytics", "--data-dir="+t.TempDir(), "--lease-wait=3s")
	if code == 0 || !strings.Contains(stderr, "being written by another process") || !strings.Contains(stderr, "stop every `hocvu project`") {
		t.Fatalf("rebuild beside a live projector: exit %d\n%s", code, stderr)
	}
	if got := lessons(); got != float64(posted) {
		t.Fatalf("after the refused rebuild the analytics count %v, want %d", got, posted)
	}

	// Stop the projector (it releases its lease), rebuild, and meanwhile
	// post more and start a new projector.
	proj1.Signal(syscall.SIGTERM)
	if code, err := proj1.Wait(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("projector stop: exit %d %v\n%s", code, err, proj1.Logs())
	}
	rebuild := proctest.StartNoWait(t, env, "projections", "rebuild", "analytics", "--data-dir="+t.TempDir())
	if err := rebuild.WaitLog("acquired projection lease", time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, rebuild.Logs())
	}
	proj2 := proctest.Start(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--batch-size=100")
	post(500)
	if code, err := rebuild.Wait(2 * time.Minute); err != nil || code != 0 {
		t.Fatalf("rebuild: exit %d %v\n%s", code, err, rebuild.Logs())
	}
	waitExact()
	if err := proj2.WaitLog("acquired projection lease", time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, proj2.Logs())
	}

	// The lease stream: every holder's acquisition follows the previous
	// holder's release or its silence; here all three released in turn.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	evs, err := kdb.Store().ReadStream(ctx, "lease-analytics-clickhouse", eventstore.ReadStreamOptions{Max: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var holders []string
	current := ""
	for _, ev := range evs {
		var r struct {
			Holder string `json:"holder"`
		}
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			t.Fatal(err)
		}
		switch ev.Type {
		case lease.EventAcquired:
			if current != "" {
				t.Fatalf("%s acquired the lease while %s held it", r.Holder, current)
			}
			current = r.Holder
			holders = append(holders, r.Holder)
		case lease.EventRenewed:
			if r.Holder != current {
				t.Fatalf("%s renewed a lease %s held", r.Holder, current)
			}
		case lease.EventReleased:
			current = ""
		}
	}
	if len(holders) != 3 {
		t.Fatalf("lease holders %v, want three in turn: the projector, the rebuild, the new projector", holders)
	}
}
