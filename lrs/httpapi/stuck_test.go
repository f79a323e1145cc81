package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

// stuckLookup is a statement index that never catches up: WaitFor blocks
// until its caller gives up, saying on entered that it waits.
type stuckLookup struct {
	lrs.StatementLookup
	entered chan struct{}
}

func (s stuckLookup) WaitFor(ctx context.Context, _ eventstore.Position) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// F1 of issue 12: with the statement index stuck, POSTs whose clients
// went away left goroutines behind. Now a request abandoned while its
// write waits for the index ends with its client, and nothing of it
// stays: the only goroutine left from the writes is the writer's own
// ingester, and the LRS still answers.
func TestAbandonedWritesOnAStuckIndexLeaveNoGoroutine(t *testing.T) {
	entered := make(chan struct{}, 1)
	s := newLRSWrapped(t, httpapi.Limits{}, nil, func(l lrs.StatementLookup) lrs.StatementLookup {
		return stuckLookup{StatementLookup: l, entered: entered}
	})
	// Runs before the server closes (which waits for every handler): a
	// write still waiting then gets its answer, so that a failure of this
	// test ends it instead of hanging it.
	t.Cleanup(s.writer.Close)
	ignore := goleak.IgnoreCurrent()
	tr := &http.Transport{}
	client := &http.Client{Transport: tr}
	body, _ := json.Marshal(statement("an", "completed", "bai-1"))
	// The second write finds the ingester free again: it stopped waiting
	// for the index once the first write's client had gone.
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/xapi/statements", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		req.SetBasicAuth(testKey, testSecret)
		go func() {
			<-entered // the write waits for the index on this request's behalf
			cancel()
		}()
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("POST %d answered %d while the index is stuck; want the client to give up first", i, res.StatusCode)
		}
		cancel()
		tr.CloseIdleConnections()
		goleak.VerifyNone(t, ignore, goleak.IgnoreTopFunction("github.com/hocvu/hocvu/lrs.(*StatementWriter).run"))
		if t.Failed() {
			return
		}
	}
	// Reads are served meanwhile.
	expect(t, s.do(call{method: "GET", path: "/xapi/statements"}), 200)
}
