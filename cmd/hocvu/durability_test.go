package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/internal/proctest"
)

var creds = []string{"HOCVU_API_KEY=durability", "HOCVU_API_SECRET=durability-secret"}

// TestAcknowledgedStatementsSurviveKill POSTs statement batches from
// several clients while the server is killed with SIGKILL at a random
// moment; after a restart every acknowledged statement is there, no batch
// is partly stored, and nothing that was never sent appears.
func TestAcknowledgedStatementsSurviveKill(t *testing.T) {
	dir := t.TempDir()
	rounds := 4
	if testing.Short() {
		rounds = 2
	}
	acked := map[string]bool{}
	batches := map[string][]string{} // every batch sent: first id -> ids
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := 0; round < rounds; round++ {
		p := proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
		verify(t, p, acked, batches)
		stop := make(chan struct{})
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					n := 1 + (i+w)%5
					ids := make([]string, n)
					var sts []map[string]any
					for j := range ids {
						ids[j] = uuid.NewString()
						sts = append(sts, map[string]any{
							"id":     ids[j],
							"actor":  map[string]any{"mbox": fmt.Sprintf("mailto:w%d@example.com", w)},
							"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed"},
							"object": map[string]any{"id": fmt.Sprintf("https://hoctap.example/bai-%d", i)},
						})
					}
					mu.Lock()
					batches[ids[0]] = ids
					mu.Unlock()
					body, _ := json.Marshal(sts)
					req, _ := http.NewRequest("POST", p.URL()+"/xapi/statements", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Experience-API-Version", "1.0.3")
					req.SetBasicAuth("durability", "durability-secret")
					res, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode == 200 {
						mu.Lock()
						for _, id := range ids {
							acked[id] = true
						}
						mu.Unlock()
					} else {
						t.Errorf("POST answered %d", res.StatusCode)
						return
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
		p.Signal(syscall.SIGKILL)
		_, _ = p.Wait(30 * time.Second)
		close(stop)
		wg.Wait()
		t.Logf("round %d: %d statements acknowledged so far, %d batches sent", round, len(acked), len(batches))
	}
	p := proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	verify(t, p, acked, batches)
	if len(acked) == 0 {
		t.Fatal("no statement was acknowledged: the test proved nothing")
	}
	// The statement index is a projection: lost, it is rebuilt from the log.
	p.Signal(syscall.SIGTERM)
	if code, err := p.Wait(30 * time.Second); code != 0 || err != nil {
		t.Fatalf("stop: %d %v", code, err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "index")); err != nil {
		t.Fatal(err)
	}
	p = proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	verify(t, p, acked, batches)
}

// verify reads every statement and checks it against what was sent.
func verify(t *testing.T, p *proctest.Process, acked map[string]bool, batches map[string][]string) {
	t.Helper()
	if err := p.WaitReady(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	base := p.URL()
	stored := map[string]bool{}
	next := "/xapi/statements?limit=500"
	for next != "" {
		req, _ := http.NewRequest("GET", base+next, nil)
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		req.SetBasicAuth("durability", "durability-secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Statements []struct {
				ID string `json:"id"`
			} `json:"statements"`
			More string `json:"more"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", next, res.StatusCode, err)
		}
		for _, st := range page.Statements {
			stored[st.ID] = true
		}
		next = page.More
	}
	for id := range acked {
		if !stored[id] {
			t.Fatalf("acknowledged statement %s is missing after the kill (%d stored, %d acknowledged)", id, len(stored), len(acked))
		}
	}
	sent := map[string]bool{}
	for _, ids := range batches {
		n := 0
		for _, id := range ids {
			sent[id] = true
			if stored[id] {
				n++
			}
		}
		if n != 0 && n != len(ids) {
			t.Fatalf("batch %v is partly stored (%d of %d)", ids, n, len(ids))
		}
	}
	for id := range stored {
		if !sent[id] {
			t.Fatalf("statement %s was never sent", id)
		}
	}
}
