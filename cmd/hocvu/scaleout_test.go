package main_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/internal/proctest"
)

// TestScaleOutOverKurrentDB runs the production shape: two API processes
// on one KurrentDB (here the in-process test server speaking the KurrentDB
// gRPC protocol, backed by the embedded store) and two projector processes
// writing one ClickHouse database. Statements POSTed to both APIs are
// projected exactly once (the projectors share a lease), and killing the
// active projector hands over to the standby without loss or duplicates.
func TestScaleOutOverKurrentDB(t *testing.T) {
	kdb := kurrenttest.New(t, kurrenttest.Options{})
	ch := chtest.Start(t)
	key := "0123456789abcdef0123456789abcdef"
	env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+kdb.URL(), "HOCVU_CLICKHOUSE_URL="+ch.DSN("hocvu_scale"), "HOCVU_PSEUDONYM_KEY="+key)
	api1 := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	api2 := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	proj1 := proctest.Start(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--batch-size=100")
	proj2 := proctest.Start(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--batch-size=100")

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	base := time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	post := func(n int) {
		for i := 0; i < n; i += 50 {
			var batch []map[string]any
			for j := 0; j < 50; j++ {
				batch = append(batch, campaignStatement(rng.IntN(300), "21172", base.Add(time.Duration(i+j)*time.Hour)))
			}
			api := api1
			if (i/50)%2 == 1 {
				api = api2
			}
			if code := doJSON(t, "POST", api.URL()+"/xapi/statements", batch, nil); code != 200 {
				t.Fatalf("POST to %s: %d", api.URL(), code)
			}
		}
	}
	lessons := func(api *proctest.Process) float64 {
		var res result
		if code := doJSON(t, "GET", api.URL()+"/api/analytics/summary", nil, &res); code != 200 || len(res.Rows) != 1 {
			t.Fatalf("analytics: %d %v", code, res.Rows)
		}
		return res.Rows[0][2].(float64)
	}
	waitFor := func(want float64) {
		deadline := time.Now().Add(90 * time.Second)
		for {
			got := lessons(api1)
			if got == want {
				return
			}
			if got > want {
				t.Fatalf("analytics count %v lesson completions, more than the %v posted: a double write", got, want)
			}
			if time.Now().After(deadline) {
				t.Fatalf("analytics count %v lesson completions, want %v", got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	post(1000)
	waitFor(1000)
	// Each API sees the other's statements (its own index follows the log).
	// Replicas are eventually consistent with each other: api2's index
	// follows the log.
	count := func(api *proctest.Process) int {
		n := 0
		for next := "/xapi/statements?limit=500"; next != ""; {
			var page struct {
				Statements []map[string]any `json:"statements"`
				More       string           `json:"more"`
			}
			if code := doJSON(t, "GET", api.URL()+next, nil, &page); code != 200 {
				t.Fatalf("GET from %s: %d", api.URL(), code)
			}
			n += len(page.Statements)
			next = page.More
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); count(api2) != 1000; {
		if time.Now().After(deadline) {
			t.Fatalf("api2 sees %d statements, want 1000", count(api2))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Exactly one projector holds the lease; kill it and the other takes over.
	active, standby := proj1, proj2
	if !strings.Contains(proj1.Logs(), "acquired projection lease") {
		active, standby = proj2, proj1
	}
	if !strings.Contains(active.Logs(), "acquired projection lease") || strings.Contains(standby.Logs(), "acquired projection lease") {
		t.Fatalf("lease not held by exactly one projector:\n%s\n---\n%s", proj1.Logs(), proj2.Logs())
	}
	active.Signal(syscall.SIGKILL)
	_, _ = active.Wait(30 * time.Second)
	post(1000)
	waitFor(2000)
	if !strings.Contains(standby.Logs(), "acquired projection lease") {
		t.Fatalf("the standby never took the lease:\n%s", standby.Logs())
	}
	t.Logf("failover done; the standby projected %s", fmt.Sprint(lessons(api2)))
}
