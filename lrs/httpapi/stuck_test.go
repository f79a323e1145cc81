package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.uber.org/goleak"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

// stuckLookup is a statement index that never catches up: WaitFor blocks
// until its caller gives up, saying on entered that it waits. It knows
// no statement.
type stuckLookup struct {
	entered chan struct{}
}

func (stuckLookup) LookupStatement(context.Context, uuid.UUID) ([]byte, bool, error) {
	return nil, false, nil
}

func (stuckLookup) LastStored() time.Time { return time.Time{} }

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
// ingester.
func TestAbandonedWritesOnAStuckIndexLeaveNoGoroutine(t *testing.T) {
	entered := make(chan struct{}, 1)
	// The API of the harness, with a writer whose lookup (and the
	// visibility) is stuck; the harness gives the log and credentials.
	base := newLRS(t, httpapi.Limits{})
	stuck := stuckLookup{entered: entered}
	writer := lrs.NewStatementWriter(base.store, stuck, lrs.WriterOptions{})
	e := echo.New()
	httpapi.New(httpapi.Config{Auth: base.registry, Writer: writer, Visibility: stuck}).Mount(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	// Runs before the server closes (which waits for every handler): a
	// write still waiting then gets its answer, so that a failure of this
	// test ends it instead of hanging it.
	t.Cleanup(writer.Close)
	ignore := goleak.IgnoreCurrent()
	tr := &http.Transport{}
	client := &http.Client{Transport: tr}
	body, _ := json.Marshal(statement("an", "completed", "bai-1"))
	// The second write finds the ingester free again: it stopped waiting
	// for the index once the first write's client had gone.
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/xapi/statements", bytes.NewReader(body))
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
}
