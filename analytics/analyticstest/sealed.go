package analyticstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/xapi"
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

// testSealedDirectory projects the dataset with its statements and its
// learner directory sealed (reference.learners.sealed.v1, the accounts
// known by their subjects): every named query must give the reference's
// answer computed in clear, so statements without campaign context are
// attributed through sealed entries, and the stored attributions are the
// subjects' pseudonyms. Then every directory learner is erased (their
// keys destroyed): their entries can no longer be opened, and a rebuild
// gives the same answers, since their pseudonymous facts and attribution
// remain.
func testSealedDirectory(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(1)
	ks := sealingtest.NewKeys()
	sealer := sealing.Sealer{Keys: ks}
	ps := pseudonymizer(t)
	ps.MapAgentKeys(sealer.AgentKey)
	events := make([]eventstore.RecordedEvent, len(d.Events))
	var accounts []reference.Learner
	for i, ev := range d.Events {
		switch ev.Type {
		case lrs.EventStatementStored:
			data, err := sealer.Seal(context.Background(), ev.Data)
			if err != nil {
				t.Fatalf("seal event %d: %v", i, err)
			}
			ev.Data, ev.Type = data, lrs.EventStatementSealed
		case reference.EventLearnersSet:
			var set reference.LearnersSet
			if err := json.Unmarshal(ev.Data, &set); err != nil || set.Parts != 1 {
				t.Fatalf("directory event %d: %v (%d parts)", i, err, set.Parts)
			}
			accounts = append(accounts, set.Learners...)
			rd := &reference.Data{Learners: set.Learners}
			rd.Include(reference.KindLearners)
			sealed, err := reference.SealedEvents(context.Background(), rd, ks)
			if err != nil || len(sealed) != 1 {
				t.Fatalf("seal directory event %d: %v (%d events)", i, err, len(sealed))
			}
			for _, l := range set.Learners {
				if bytes.Contains(sealed[0].Data, []byte(l.Name)) {
					t.Fatalf("the sealed directory holds %s in clear", l.Name)
				}
			}
			ev.Data, ev.Type, ev.Metadata = sealed[0].Data, sealed[0].Type, sealed[0].Metadata
		}
		events[i] = ev
	}
	if len(accounts) == 0 {
		t.Fatal("the dataset has no learner directory")
	}
	want := checkSealedDirectory(t, e, d, ps, events)
	for _, l := range accounts {
		k, _ := xapi.IFIKey("", "", "", l.HomePage, l.Name)
		ks.Destroy(k)
	}
	st, err := reference.Replay(context.Background(), Log(events))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range st.Learners() {
		if _, err := l.Open(context.Background(), ks); !errors.Is(err, reference.ErrErased) {
			t.Fatalf("entry %s opens after its key was destroyed: %v", l.ID(), err)
		}
	}
	if err := e.Reset(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := checkSealedDirectory(t, e, d, ps, events); !slices.Equal(got, want) {
		t.Errorf("the attributions changed with the erasure: %v, were %v", got, want)
	}
}

// checkSealedDirectory projects events (with the sealed directory) into
// e, compares every named query with the reference computed in clear, and
// returns the stored attributions as text.
func checkSealedDirectory(t *testing.T, e analytics.Engine, d *Dataset, ps *analytics.Pseudonymizer, events []eventstore.RecordedEvent) []string {
	t.Helper()
	Project(t, analyticsfacts.NewProjection(e, ps, Log(events)), events, 97)
	if checkWith(t, e, d, ps, ParamSets...) == 0 {
		t.Fatal("no comparison made")
	}
	st, err := reference.Replay(context.Background(), Log(events))
	if err != nil {
		t.Fatal(err)
	}
	learners, err := e.Learners(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(learners) != len(st.Learners()) {
		t.Fatalf("%d attributions stored, the directory has %d entries", len(learners), len(st.Learners()))
	}
	bySubject := map[uint64]bool{}
	for _, l := range st.Learners() {
		bySubject[ps.Agent(xapi.SubjectKey(l.Subject))] = true
	}
	var out []string
	for _, a := range learners {
		if !bySubject[a.ActorID] {
			t.Errorf("attribution %+v is not the pseudonym of a directory subject", a)
		}
		out = append(out, fmt.Sprintf("%+v", a))
	}
	slices.Sort(out)
	return out
}
