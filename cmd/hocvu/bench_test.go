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
// clients. It reports statements/s. Run:
//
//	go test -run '^$' -bench PostStatements -benchtime 20000x ./cmd/hocvu/
func BenchmarkPostStatements(b *testing.B) {
	for _, batch := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			p := proctest.Start(b, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+b.TempDir(), "--log-level=warn")
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
							sts[i] = campaignStatement(int(n)*batch+i, "21172", base.Add(time.Duration(n)*time.Second))
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
		})
	}
}
