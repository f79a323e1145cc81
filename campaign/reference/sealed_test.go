package reference_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
)

// preparingKeys counts the subjects given to Prepare.
type preparingKeys struct {
	*sealingtest.Keys
	prepared []string
}

func (p *preparingKeys) Prepare(_ context.Context, subjects []string) error {
	p.prepared = append(p.prepared, subjects...)
	return nil
}

// rawEvents reads the reference-data stream as stored.
func rawEvents(t *testing.T, s eventstore.StreamReader) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := s.ReadStream(context.Background(), reference.Stream, eventstore.ReadStreamOptions{Max: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func agentKey(homePage, name string) string {
	k, _ := xapi.IFIKey("", "", "", homePage, name)
	return k
}

// TestSealedLoadKeepsNoAccountInClear: with a keyring, Load writes the
// directory as reference.learners.sealed.v1 with no account in clear; the
// fold finds the entries by subject, opens their accounts, and keeps
// their codes; loading the same directory again appends nothing.
func TestSealedLoadKeepsNoAccountInClear(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	ks := &preparingKeys{Keys: sealingtest.NewKeys()}
	d := reference.Example()
	want := d.Learners
	sum, err := reference.Load(ctx, s, d, reference.LoadOptions{Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.prepared) != len(want) {
		t.Errorf("Prepare got %d subjects, want %d (one per learner)", len(ks.prepared), len(want))
	}
	var sealedEvents int
	for _, ev := range rawEvents(t, s) {
		if ev.Type == reference.EventLearnersSet {
			t.Errorf("a clear directory event was written: %s", ev.Data)
		}
		if ev.Type == reference.EventLearnersSealed {
			sealedEvents++
		}
		for _, l := range want {
			for _, b := range [][]byte{ev.Data, ev.Metadata} {
				if bytes.Contains(b, []byte(l.Name)) || bytes.Contains(b, []byte(l.HomePage)) {
					t.Errorf("%s holds the account %s/%s in clear: %s", ev.Type, l.HomePage, l.Name, b)
				}
			}
		}
	}
	if sealedEvents != 1 {
		t.Errorf("%d sealed directory events, want 1", sealedEvents)
	}
	st, err := reference.Replay(ctx, s)
	if err != nil || len(st.Skipped()) > 0 {
		t.Fatal(err, st.Skipped())
	}
	if info, ok := st.Info(reference.KindLearners); !ok || info.Rows != len(want) {
		t.Errorf("learners info %+v %v", info, ok)
	}
	for _, w := range want {
		if _, ok := st.Learner(w.HomePage, w.Name); ok {
			t.Errorf("the sealed directory is looked up by account in clear: %s", w.Name)
		}
		subject := ks.Subject(agentKey(w.HomePage, w.Name))
		if subject != reference.AccountSubject(ks, w.HomePage, w.Name) {
			t.Fatal("AccountSubject is not the keyring's subject of the agent key")
		}
		l, ok := st.LearnerBySubject(subject)
		if !ok || l.Subject != subject || l.HomePage != "" || l.Name != "" || l.Account == nil {
			t.Fatalf("LearnerBySubject(%s) = %+v %v", w.Name, l, ok)
		}
		if l.Commune != w.Commune || l.Group != w.Group || fmt.Sprint(l.Subgroups) != fmt.Sprint(w.Subgroups) ||
			l.Household != w.Household || l.Mentor != w.Mentor || l.Team != w.Team {
			t.Errorf("entry %+v lost the codes of %+v", l, w)
		}
		o, err := l.Open(ctx, ks)
		if err != nil || o.HomePage != w.HomePage || o.Name != w.Name {
			t.Errorf("Open = %+v %v, want the account %s/%s", o, err, w.HomePage, w.Name)
		}
	}
	again, err := reference.Load(ctx, s, reference.Example(), reference.LoadOptions{Keys: ks})
	if err != nil || again.Events != 0 {
		t.Errorf("reload of the same directory: %v, %d events (first load %d), want none", err, again.Events, sum.Events)
	}
}

// TestSealedDirectoryAfterErasure: once a person's key is destroyed the
// entry stays, with its codes and subject, but its account opens as
// erased; a later load keeps the entry without the account, and never
// seals it again.
func TestSealedDirectoryAfterErasure(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	ks := sealingtest.NewKeys()
	d := reference.Example()
	gone, kept := d.Learners[1], d.Learners[0]
	if _, err := reference.Load(ctx, s, d, reference.LoadOptions{Keys: ks}); err != nil {
		t.Fatal(err)
	}
	if ks.Destroy(agentKey(gone.HomePage, gone.Name)) == "" {
		t.Fatal("no key destroyed")
	}
	goneSubject := reference.AccountSubject(ks, gone.HomePage, gone.Name)
	st, err := reference.Replay(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := st.LearnerBySubject(goneSubject)
	if !ok || l.Commune != gone.Commune || l.Household != gone.Household || l.Mentor != gone.Mentor {
		t.Fatalf("the erased person's entry lost its codes: %+v %v", l, ok)
	}
	if o, err := l.Open(ctx, ks); !errors.Is(err, reference.ErrErased) || !errors.Is(err, keys.ErrNoKey) || o.Name != "" {
		t.Errorf("Open of an erased entry = %+v %v, want ErrErased", o, err)
	}
	if k, _ := st.LearnerBySubject(reference.AccountSubject(ks, kept.HomePage, kept.Name)); k.Subject == "" {
		t.Error("the kept person's entry is gone")
	} else if o, err := k.Open(ctx, ks); err != nil || o.Name != kept.Name {
		t.Errorf("the kept person's account: %+v %v", o, err)
	}

	// The province loads its directory again, changed, and with the
	// erased person still in it.
	d = reference.Example()
	d.Learners[0].Group = "worker"
	erased := func(subject string) bool { return subject == goneSubject }
	sum, err := reference.Load(ctx, s, d, reference.LoadOptions{Keys: ks, Erased: erased})
	if err != nil || sum.Events != 1 {
		t.Fatalf("reload: %v, %+v", err, sum)
	}
	evs := rawEvents(t, s)
	if last := evs[len(evs)-1]; last.Type != reference.EventLearnersSealed || bytes.Contains(last.Data, []byte(gone.Name)) {
		t.Fatalf("last event %s %s", last.Type, last.Data)
	}
	st, _ = reference.Replay(ctx, s)
	l, ok = st.LearnerBySubject(goneSubject)
	if !ok || l.Account != nil || l.Commune != gone.Commune {
		t.Errorf("the erased person's entry after a reload: %+v %v, want the codes without an account", l, ok)
	}
	if _, err := l.Open(ctx, ks); !errors.Is(err, reference.ErrErased) {
		t.Errorf("Open of an entry loaded after the erasure: %v, want ErrErased", err)
	}
}

// TestSealingAClearDirectory: a directory loaded in clear (before
// sealing was turned on) is written sealed by the next load with a
// keyring, although its content is the same; without a keyring a sealed
// entry cannot be loaded.
func TestSealingAClearDirectory(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	ks := sealingtest.NewKeys()
	if _, err := reference.Load(ctx, s, reference.Example(), reference.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	st, _ := reference.Replay(ctx, s)
	w := reference.Example().Learners[0]
	if _, ok := st.Learner(w.HomePage, w.Name); !ok {
		t.Fatal("the clear directory is not found by account")
	}
	sum, err := reference.Load(ctx, s, reference.Example(), reference.LoadOptions{Keys: ks})
	if err != nil || sum.Events != 1 {
		t.Fatalf("sealed load over a clear directory: %v, %+v, want the directory appended", err, sum)
	}
	st, _ = reference.Replay(ctx, s)
	if _, ok := st.Learner(w.HomePage, w.Name); ok {
		t.Error("still found by account in clear")
	}
	if _, ok := st.LearnerBySubject(reference.AccountSubject(ks, w.HomePage, w.Name)); !ok {
		t.Error("not found by subject")
	}
	// The state's own data (sealed) cannot be loaded without the keys,
	// and loads unchanged with them.
	if _, err := reference.Load(ctx, s, st.Data(), reference.LoadOptions{}); !errors.Is(err, reference.ErrSealed) {
		t.Errorf("load of sealed entries without keys: %v, want ErrSealed", err)
	}
	if sum, err := reference.Load(ctx, s, st.Data(), reference.LoadOptions{Keys: ks}); err != nil || sum.Events != 0 {
		t.Errorf("load of the sealed state with keys: %v, %d events, want unchanged", err, sum.Events)
	}
	// And back: without keys the directory is written in clear again.
	if sum, err := reference.Load(ctx, s, reference.Example(), reference.LoadOptions{}); err != nil || sum.Events != 1 {
		t.Errorf("clear load over a sealed directory: %v, %+v", err, sum)
	}
}

// TestSealedEventThatDoesNotApply: a sealed set with an entry without a
// subject is skipped like any event that does not apply, and the
// directory keeps its earlier rows.
func TestSealedEventThatDoesNotApply(t *testing.T) {
	st := reference.NewState()
	err := st.Apply(&eventstore.RecordedEvent{Stream: reference.Stream, Type: reference.EventLearnersSealed,
		Data: []byte(`{"load":"x","part":0,"parts":1,"learners":[{"commune":"21121","group":"citizen"}]}`)})
	if err == nil {
		t.Error("an entry without a subject applied")
	}
	if len(st.Learners()) != 0 {
		t.Errorf("learners %+v", st.Learners())
	}
}
