package analyticstest

import (
	"context"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// testSealed projects the dataset with the people of its statements
// sealed (privacy/sealing) and a pseudonymizer that maps agent keys to
// their sealed form: every named query must give the reference's answer
// computed from the statements in clear under the same mapping, so a
// person is one pseudonym sealed or not, and the learner directory still
// attributes sealed actors.
func testSealed(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(1)
	sealer := sealing.Sealer{Keys: sealingtest.NewKeys()}
	ps := pseudonymizer(t)
	ps.MapAgentKeys(sealer.AgentKey)
	sealed := make([]eventstore.RecordedEvent, len(d.Events))
	n := 0
	for i, ev := range d.Events {
		if ev.Type == lrs.EventStatementStored {
			data, err := sealer.Seal(context.Background(), ev.Data)
			if err != nil {
				t.Fatalf("seal event %d: %v", i, err)
			}
			ev.Data, ev.Type = data, lrs.EventStatementSealed
			n++
		}
		sealed[i] = ev
	}
	if n == 0 {
		t.Fatal("no statement sealed")
	}
	Project(t, analyticsfacts.NewProjection(e, ps, d), sealed, 97)
	if checkWith(t, e, d, ps, ParamSets...) == 0 {
		t.Fatal("no comparison made")
	}
	// The mapping is in force: the pseudonyms differ from unmapped ones.
	plain := pseudonymizer(t)
	if k := "mbox:mailto:x@example.vn"; ps.Agent(k) == plain.Agent(k) {
		t.Fatal("the pseudonymizer does not map agent keys")
	}
}
