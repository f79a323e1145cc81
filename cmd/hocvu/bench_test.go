package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/proctest"
)

// BenchmarkPostStatements measures POST /xapi/statements end to end over
// loopback against the real binary (validation, group commit with fsync,
// statement index, read-your-writes wait included), with 16 concurrent
// clients, with the embedded analytics projector (DuckDB, in the same
// process, as 'hocvu serve' runs by default) and without it (the API alone,
// as with a separate projector). It reports statements/s. Run:
//
//	go test -run '^$' -bench 'PostStatements/batch=100/' -benchtime 1500x ./cmd/hocvu/
func BenchmarkPostStatements(b *testing.B) {
	for _, bc := range []struct {
		batch     int
		analytics bool
		// learners, when set, is how many learners the statements cycle
		// through (else each statement has a learner of its own).
		learners int
		sealed   bool
	}{{1, true, 0, false}, {10, true, 0, false}, {100, true, 0, false}, {100, false, 0, false},
		// The cost of sealing (issue 18): with a learner of its own, every
		// statement creates a key; with 2,000 learners, keys are reused.
		{100, false, 0, true}, {100, false, 2000, false}, {100, false, 2000, true}} {
		name := fmt.Sprintf("batch=%d/analytics=duckdb", bc.batch)
		args := []string{"serve", "--listen=127.0.0.1:0", "--log-level=info"}
		if !bc.analytics {
			name = fmt.Sprintf("batch=%d/analytics=off", bc.batch)
			args = append(args, "--no-analytics-projector")
		}
		if bc.learners > 0 {
			name += fmt.Sprintf("/learners=%d", bc.learners)
		}
		if bc.sealed {
			name += "/sealed"
			args = append(args, "--seal-personal-data")
		}
		batch, learners := bc.batch, bc.learners
		b.Run(name, func(b *testing.B) {
			p := proctest.Start(b, creds, append(args, "--data-dir="+b.TempDir())...)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			const clients = 16
			var next atomic.Int64
			total := int64(b.N)
			base := time.Date(2025, 10, 10, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					for n := next.Add(1); n <= total; n = next.Add(1) {
						sts := make([]map[string]any, batch)
						for i := range sts {
							learner := int(n)*batch + i
							if learners > 0 {
								learner %= learners
							}
							sts[i] = campaignStatement(learner, "21172", base.Add(time.Duration(n)*time.Second))
						}
						body, _ := json.Marshal(sts)
						req, _ := http.NewRequest("POST", p.URL()+"/xapi/statements", bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("X-Experience-API-Version", "2.0.0")
						req.SetBasicAuth("durability", "durability-secret")
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != 200 {
							b.Errorf("status %d", res.StatusCode)
							return
						}
					}
				}(c)
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "statements/s")
			b.ReportMetric(float64(p.PeakRSS())/(1<<20), "peak-RSS-MiB")
		})
	}
}
