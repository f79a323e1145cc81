package forwarding_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
)

// TestSealedStatementsAreForwardedOpened: with an LRS that seals, a
// forward sends each statement with its people opened, and an erased
// person as their placeholder.
func TestSealedStatementsAreForwardedOpened(t *testing.T) {
	forEachStore(t, func(t *testing.T, store forwarding.RuntimeStore) {
		keys := sealingtest.NewKeys()
		sealer := sealing.Sealer{Keys: keys}
		h := newHarness(t, store)
		var want []string
		var evs []eventstore.EventData
		for i := range 3 {
			st := newStatement(i, verbCompleted, "https://hoctap.example/bai-1")
			data, _ := json.Marshal(st)
			sealed, err := sealer.Seal(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(sealed), "hv-0000") {
				t.Fatalf("not sealed: %s", sealed)
			}
			meta, _ := json.Marshal(lrs.StatementStoredMeta{Batch: uuid.NewString(), XAPIVersion: "2.0.0", Credential: "test"})
			evs = append(evs, eventstore.EventData{ID: uuid.MustParse(st.id()), Type: lrs.EventStatementSealed, Data: sealed, Metadata: meta})
			want = append(want, st.id())
		}
		erased := keys.Destroy("account:https://vneid.example\x00hv-00001")
		if _, err := store.Append(context.Background(), lrs.StatementsStream, eventstore.Any, evs...); err != nil {
			t.Fatal(err)
		}
		h.create(forwarding.Spec{Name: "all", Start: "beginning"})
		h.start(func(env *forwarding.Env) { env.Opener = sealer })
		target := h.target("all")
		target.waitFor(t, "every statement", func() bool { return len(target.ackedIDs()) >= len(want) })
		got := map[string]string{}
		for _, d := range target.acked() {
			for i, id := range d.IDs {
				got[id] = string(d.Statements[i])
			}
		}
		for i, id := range want {
			body := got[id]
			switch {
			case i == 1 && (!strings.Contains(body, sealing.ErasedHomePage) || !strings.Contains(body, erased) || strings.Contains(body, "hv-00001")):
				t.Errorf("the erased learner's statement went out as %s", body)
			case i != 1 && (!strings.Contains(body, "hv-0000") || strings.Contains(body, sealing.SealedMember)):
				t.Errorf("statement %d went out sealed: %s", i, body)
			}
		}
	})
}
