package lrs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
)

// TestWriterSealsThePeople: with a Sealer, the writer appends
// xapi.statement.sealed.v1 events whose people are sealed, both for a
// statement sent as raw JSON and for one given decoded only; the
// authority and the LRS-set properties stay readable, and the statement
// opens back to what was sent.
func TestWriterSealsThePeople(t *testing.T) {
	ctx := context.Background()
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sealer := sealing.Sealer{Keys: sealingtest.NewKeys()}
	w := lrs.NewStatementWriter(store, emptyLookup{}, lrs.WriterOptions{Sealer: sealer})
	defer w.Close()
	raw := []byte(`{"actor":{"name":"Nguyễn Văn An","mbox":"mailto:an@example.vn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}`)
	decoded, err := xapi.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	authority := map[string]any{"objectType": "Agent", "name": "portal", "account": map[string]any{"homePage": "https://hocvu.local/", "name": "portal-key"}}
	req := &lrs.StoreRequest{Credential: "portal-key", XAPIVersion: "2.0.0"}
	for i := range 2 {
		st := lrs.Statement{}
		for k, v := range decoded.(map[string]any) {
			st[k] = v
		}
		st["id"], st["authority"], st["version"] = uuid.NewString(), authority, "2.0.0"
		req.Statements = append(req.Statements, st)
		req.Assigned = append(req.Assigned, true)
		if i == 0 {
			req.Raw = append(req.Raw, raw)
		} else {
			req.Raw = append(req.Raw, nil) // no raw: the writer encodes the decoded statement
		}
	}
	if _, err := w.Store(ctx, req); err != nil {
		t.Fatal(err)
	}
	evs, err := store.ReadStream(ctx, lrs.StatementsStream, eventstore.ReadStreamOptions{Max: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	for _, ev := range evs {
		data := string(ev.Data)
		if ev.Type != lrs.EventStatementSealed {
			t.Errorf("event type %s, want %s", ev.Type, lrs.EventStatementSealed)
		}
		for _, p := range []string{"Nguyễn Văn An", "an@example.vn"} {
			if strings.Contains(data, p) {
				t.Errorf("%q in clear in the event: %s", p, data)
			}
		}
		for _, keep := range []string{"portal-key", `"stored"`, `"version"`, "hoctap.example/bai-1"} {
			if !strings.Contains(data, keep) {
				t.Errorf("the event lost %s: %s", keep, data)
			}
		}
		opened, err := sealer.Open(ctx, ev.Data)
		if err != nil || !strings.Contains(string(opened), "Nguyễn Văn An") || !strings.Contains(string(opened), "mailto:an@example.vn") {
			t.Errorf("opened: %s, %v", opened, err)
		}
	}
}
