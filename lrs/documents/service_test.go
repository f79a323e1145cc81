package documents_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/documentindex"
	"github.com/hocvu/hocvu/schemas"
)

// service is a documents.Service on the embedded store, the blob store
// and the document index, as cmd/hocvu wires them.
type service struct {
	*documents.Service
	store eventstore.Store
	blobs string // the blob directory
	index *documentindex.Index
	run   *projections.Runner
	stop  func() // closes it before the test ends (idempotent)
}

func newService(t *testing.T) *service {
	t.Helper()
	return openService(t, t.TempDir(), nil)
}

// openService opens the service on the data in dir; with a sealer, it
// seals the documents of people and the index maps agents alike.
func openService(t testing.TB, dir string, sealer *sealing.Content) *service {
	t.Helper()
	store, err := pebblestore.Open(filepath.Join(dir, "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := attachments.OpenStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := documentindex.Open(filepath.Join(dir, "documents"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var opts documents.Options
	var agents documentindex.AgentKeys
	if sealer != nil {
		opts.Sealer, agents = sealer, sealer
	}
	if err := ix.UseSealer(agents); err != nil {
		t.Fatal(err)
	}
	run := projections.NewRunner(store, ix, projections.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = run.Run(ctx) }()
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = ix.Close()
			_ = store.Close()
		})
	})
	// The index catches up with the log (a reopened index may replay it)
	// before the test reads lists.
	if head, err := store.Head(ctx); err != nil {
		t.Fatal(err)
	} else if err := run.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = ix.Close()
			_ = store.Close()
		})
	}
	return &service{Service: documents.New(store, blobs, documentindex.Live{Index: ix, Runner: run}, opts),
		store: store, blobs: filepath.Join(dir, "blobs"), index: ix, run: run, stop: stop}
}

// content returns the document's bytes, or nil when it is absent.
func (s *service) content(t *testing.T, key documents.Key) []byte {
	t.Helper()
	_, rc, err := s.Get(context.Background(), key)
	if lrs.KindOf(err) == lrs.KindNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// events counts the events of the document's stream.
func (s *service) events(t *testing.T, key documents.Key) int {
	t.Helper()
	evs, err := s.store.ReadStream(context.Background(), key.Stream(), eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// files counts the files under dir.
func files(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}

var documentKeys = []documents.Key{
	{Resource: documents.State, ActivityID: "https://hoctap.example/bai-1", Agent: "mbox:mailto:an@example.com", ID: "tiến độ"},
	{Resource: documents.ActivityProfile, ActivityID: "https://hoctap.example/bai-1", ID: "hồ sơ"},
	{Resource: documents.AgentProfile, Agent: "mbox:mailto:an@example.com", ID: "hồ sơ"},
}

// TestPostOfNonObjectJSONChangesNothing checks 1.0.3 Communication
// 2.2.s8.b1 (IEEE 9274.1.1 4.1.6.2/5/6): a POST declared application/json
// that is not a JSON object is refused as invalid whether the document
// exists or not, and writes neither an event nor a blob.
func TestPostOfNonObjectJSONChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	for _, v := range []schemas.Version{schemas.V103, schemas.V200} {
		for _, key := range documentKeys {
			for _, body := range []string{`{"a":1}[`, `[{"a":1}]`, `null`, ``, `{"a":1} {"b":2}`} {
				blobs, events := files(t, s.blobs), s.events(t, key)
				post := &documents.WriteRequest{Key: key, Method: http.MethodPost, Content: []byte(body), ContentType: "application/json", Version: v}
				if _, err := s.Write(ctx, post); lrs.KindOf(err) != lrs.KindInvalid {
					t.Errorf("%s %s: POST %q to an absent document: %v, want an invalid-request error", v, key.Resource, body, err)
				}
				if got := s.content(t, key); got != nil {
					t.Errorf("%s %s: POST %q stored %q", v, key.Resource, body, got)
				}
				if n := s.events(t, key); n != events {
					t.Errorf("%s %s: POST %q appended to the document's stream", v, key.Resource, body)
				}
				if n := files(t, s.blobs); n != blobs {
					t.Errorf("%s %s: POST %q stored a blob", v, key.Resource, body)
				}
			}
			// An existing JSON document stays as it is.
			if _, err := s.Write(ctx, &documents.WriteRequest{Key: key, Method: http.MethodPost, Content: []byte(`{"x":1}`), ContentType: "application/json", Version: v}); err != nil {
				t.Fatal(err)
			}
			post := &documents.WriteRequest{Key: key, Method: http.MethodPost, Content: []byte(`{"y":2}[`), ContentType: "application/json", Version: v}
			if _, err := s.Write(ctx, post); lrs.KindOf(err) != lrs.KindInvalid {
				t.Errorf("%s %s: POST to an existing document: %v, want an invalid-request error", v, key.Resource, err)
			}
			if got := string(s.content(t, key)); got != `{"x":1}` {
				t.Errorf("%s %s: document is now %s", v, key.Resource, got)
			}
			// Other content types are still stored as sent when absent.
			other := key
			other.ID += "-text"
			if _, err := s.Write(ctx, &documents.WriteRequest{Key: other, Method: http.MethodPost, Content: []byte(`{"y":2}[`), ContentType: "text/plain", Version: v}); err != nil {
				t.Errorf("%s %s: POST of text/plain: %v", v, key.Resource, err)
			}
			if err := s.Delete(ctx, &documents.DeleteRequest{Key: key, Version: v}); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, &documents.DeleteRequest{Key: other, Version: v}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
