package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/internal/proctest"
)

// postPadded POSTs n statements padded to about pad bytes each and
// returns the status and body.
func postPadded(t *testing.T, url string, n, pad int) (int, string) {
	t.Helper()
	base := time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	var batch []map[string]any
	for i := 0; i < n; i++ {
		st := campaignStatement(i, "21172", base.Add(time.Duration(i)*time.Minute))
		st["result"].(map[string]any)["response"] = strings.Repeat("x", pad)
		batch = append(batch, st)
	}
	body, _ := json.Marshal(batch)
	req, _ := http.NewRequest("POST", url+"/xapi/statements", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth("durability", "durability-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

// TestTooLargeForKurrentDB: a POST whose statements are more than
// KurrentDB takes in one append gets 413 with a message saying what to do,
// whichever way the limit shows (the adapter knows it; the server refuses
// it; the server cuts the append while it is being sent), and the API
// keeps working.
func TestTooLargeForKurrentDB(t *testing.T) {
	cases := []struct {
		name      string
		server    kurrenttest.Options
		maxAppend string // HOCVU_EVENTSTORE_MAX_APPEND
		log       string // in the warning logged
	}{
		// Hocvu is told the server's limit: nothing is sent.
		{"adapter knows the limit", kurrenttest.Options{}, "65536", "more than the server's MaxAppendSize of 65536 bytes"},
		// Hocvu assumes more than the server takes, and the append is far
		// larger than the server's flow-control windows: the server cuts
		// it while the client is still sending.
		{"server cuts the append", kurrenttest.Options{MaxAppendSize: 64 << 10, Window: 64 << 10}, "1048576", "the server ended the append while it was being sent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kdb := kurrenttest.New(t, c.server)
			env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+kdb.URL(), "HOCVU_EVENTSTORE_MAX_APPEND="+c.maxAppend)
			p := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
			code, body := postPadded(t, p.URL(), 300, 2000) // ~700 KB
			if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "smaller batches") {
				t.Fatalf("POST of ~700 KB over a 64 KiB append limit: %d %s", code, body)
			}
			if code, body := postPadded(t, p.URL(), 5, 100); code != http.StatusOK {
				t.Fatalf("a small POST after the refused one: %d %s", code, body)
			}
			if c.maxAppend == "65536" && !strings.Contains(p.Logs(), "--max-body is close to or above KurrentDB's append limit") {
				t.Errorf("no warning that the 16 MiB body limit exceeds the 64 KiB append limit:\n%s", p.Logs())
			}
			if !strings.Contains(p.Logs(), c.log) {
				t.Errorf("the warning does not say %q:\n%s", c.log, p.Logs())
			}
			if strings.Contains(p.Logs(), `"level":"ERROR"`) {
				t.Errorf("a too-large request was logged as an error:\n%s", p.Logs())
			}
		})
	}
}
