package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/internal/proctest"
)

// BenchmarkForwardToHocvu measures delivery throughput to a local Hocvu
// target: b.N statements are POSTed to a source server first (not
// timed), then a forward from the beginning delivers them all to a
// second server on the same machine (xAPI, HTTP Basic, both without the
// analytics projector); the time until the forward has recorded them all
// delivered is measured. It reports statements/s. Run:
//
//	go test -run '^$' -bench ForwardToHocvu -benchtime 20000x ./cmd/hocvu/
func BenchmarkForwardToHocvu(b *testing.B) {
	for _, batch := range []int{100, 500} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			target := proctest.Start(b, targetCreds, "serve", "--listen=127.0.0.1:0", "--data-dir="+b.TempDir(), "--no-analytics-projector", "--no-forwarding", "--log-level=info")
			src := proctest.Start(b, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+b.TempDir(), "--no-analytics-projector", "--log-level=info")
			base := time.Date(2025, 10, 10, 0, 0, 0, 0, time.UTC)
			for i := 0; i < b.N; i += 500 {
				var sts []map[string]any
				for j := i; j < min(i+500, b.N); j++ {
					sts = append(sts, campaignStatement(j, "21172", base.Add(time.Duration(j)*time.Second)))
				}
				if code := benchJSON(b, "POST", src.URL()+"/xapi/statements", sts, nil); code != 200 {
					b.Fatalf("POST: %d", code)
				}
			}
			spec := map[string]any{"name": "bench", "start": "beginning", "batchSize": batch,
				"target": map[string]any{"kind": "xapi", "url": target.URL() + "/xapi", "username": "ministry", "secret": "ministry-secret"},
				"filter": map[string]any{"verb": []string{vocab.VerbCompleted}}}
			b.ResetTimer()
			start := time.Now()
			if code := benchJSON(b, "POST", src.URL()+"/api/forwards", spec, nil); code != 201 {
				b.Fatalf("create: %d", code)
			}
			for {
				var st forwarding.Status
				if code := benchJSON(b, "GET", src.URL()+"/api/forwards/bench", nil, &st); code != 200 {
					b.Fatalf("show: %d", code)
				}
				if st.LastError != nil {
					b.Fatalf("delivery failed: %+v", st.LastError)
				}
				if st.Delivered >= uint64(b.N) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "statements/s")
		})
	}
}

// benchJSON is doJSON for benchmarks, with the source's credential.
func benchJSON(b testing.TB, method, url string, body, out any) int {
	b.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth("durability", "durability-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			b.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return res.StatusCode
}
