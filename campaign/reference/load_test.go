package reference_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
)

func TestLoadReplayRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	want := reference.Default()
	// A learner directory larger than one event, so the set has parts.
	for i := range reference.MaxRowsPerEvent + 10 {
		want.Learners = append(want.Learners, reference.Learner{HomePage: "https://lms.example", Name: fmt.Sprintf("hv%07d", i),
			Commune: want.Communes[i%len(want.Communes)].Code, Group: "citizen"})
	}
	sum, err := reference.Load(ctx, s, want, reference.LoadOptions{Tool: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 8 { // communes, populations, targets, teams, mentors (2 parts), learners (2 parts)
		t.Errorf("appended %d events, want 8:\n%s", sum.Events, sum)
	}
	st, err := reference.Replay(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	got := st.Data()
	for _, k := range reference.Kinds {
		if reference.ContentHash(got, k) != reference.ContentHash(want, k) {
			t.Errorf("%s differs after replay", k)
		}
		info, ok := st.Info(k)
		if !ok || info.Rows != want.Len(k) || info.SHA256 != reference.ContentHash(want, k) {
			t.Errorf("%s info %+v", k, info)
		}
	}
	if rev, ok := st.Revision(); !ok || rev != sum.Revision {
		t.Errorf("state revision %d %v, load said %d", rev, ok, sum.Revision)
	}
	if c, ok := st.Commune("21121"); !ok || c.Name != "Tịnh Khê" {
		t.Errorf("Commune(21121) = %+v %v", c, ok)
	}
	if l, ok := st.Learner("https://lms.example", "hv0005001"); !ok || l.Group != "citizen" {
		t.Errorf("Learner = %+v %v", l, ok)
	}
	// Loading the same data again appends nothing.
	again, err := reference.Load(ctx, s, want, reference.LoadOptions{})
	if err != nil || again.Events != 0 {
		t.Fatalf("reload: %v, %d events", err, again.Events)
	}
	for _, k := range again.Kinds {
		if !k.Unchanged {
			t.Errorf("%s not unchanged on reload", k.Kind)
		}
	}
	// Changing one kind appends only that kind.
	targets := &reference.Data{Targets: append(reference.PlanTargets(), reference.Target{Year: 2026, Commune: "21121", Group: "citizen", Metric: reference.MetricSkilledShare, Value: 90})}
	one, err := reference.Load(ctx, s, targets, reference.LoadOptions{})
	if err != nil || one.Events != 1 || len(one.Kinds) != 1 {
		t.Fatalf("targets only: %v, %+v", err, one)
	}
	st, _ = reference.Replay(ctx, s)
	if len(st.Targets()) != 11 || len(st.Communes()) != 96 {
		t.Errorf("after loading targets: %d targets, %d communes", len(st.Targets()), len(st.Communes()))
	}
	// Force appends unchanged kinds too.
	forced, err := reference.Load(ctx, s, targets, reference.LoadOptions{Force: true})
	if err != nil || forced.Events != 1 {
		t.Fatalf("force: %v, %+v", err, forced)
	}
}

func TestLoadRejectsInvalidDataAndAppendsNothing(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	d := reference.Example()
	d.Teams[0].Commune = "00000"
	_, err := reference.Load(ctx, s, d, reference.LoadOptions{})
	var ps reference.Problems
	// The team's commune is unknown, and the mentor of that team is now
	// in another commune than its team.
	if !errors.As(err, &ps) || !errors.Is(err, reference.ErrInvalid) || len(ps) != 2 || ps[0].Field != "commune" || ps[0].Row != "teams[0]" || ps[1].Row != "mentors[0]" {
		t.Fatalf("err %v", err)
	}
	if _, err := s.ReadStream(ctx, reference.Stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("something was appended: %v", err)
	}
}

func TestValidateDangling(t *testing.T) {
	st := exampleState(t)
	// New communes without Ba Tơ: its teams, mentors and population dangle.
	d := &reference.Data{Province: st.Province()}
	for _, c := range st.Communes() {
		if c.Name != "Ba Tơ" {
			d.Communes = append(d.Communes, c)
		}
	}
	ps := d.Validate(st)
	var rows []string
	for _, p := range ps {
		rows = append(rows, p.Row)
	}
	want := []string{"current populations 21345", "current teams TCN-21345-01", "current teams TCN-21345-02", "current mentors DS-21345-001", "current mentors DS-21345-005"}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("dangling rows %v, want %v", rows, want)
	}
	// New teams without TCN-21121-01: the mentor and the learner that name it dangle.
	d = &reference.Data{}
	for _, tm := range st.Teams() {
		if tm.ID != "TCN-21121-01" {
			d.Teams = append(d.Teams, tm)
		}
	}
	rows = nil
	for _, p := range d.Validate(st) {
		rows = append(rows, p.Row)
	}
	want = []string{"current mentors DS-21121-001", "current learners hv0000002"}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("dangling rows %v, want %v", rows, want)
	}
	// Loading mentors and learners together with the teams is fine.
	d.Mentors = nil
	d.Include(reference.KindLearners) // an empty directory
	for _, m := range st.Mentors() {
		if m.Team != "TCN-21121-01" {
			d.Mentors = append(d.Mentors, m)
		}
	}
	if ps := d.Validate(st); len(ps) > 0 {
		t.Errorf("consistent replacement: %v", ps)
	}
}

// racingStore appends a foreign event to the reference stream just before
// the first append of Load, so that Load's expected revision is stale.
type racingStore struct {
	reference.Store
	raced atomic.Bool
}

func (r *racingStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if !r.raced.Swap(true) {
		if _, err := r.Store.Append(ctx, stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "reference.note.v9", Data: []byte(`{}`)}); err != nil {
			return eventstore.AppendResult{}, err
		}
	}
	return r.Store.Append(ctx, stream, expected, events...)
}

func TestLoadRetriesAfterAnotherWriter(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if _, err := reference.Load(ctx, s, reference.Example(), reference.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	rs := &racingStore{Store: s}
	d := &reference.Data{Targets: reference.PlanTargets()[:2]}
	sum, err := reference.Load(ctx, rs, d, reference.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Revision != 7 { // 6 sets, the foreign event, the new targets
		t.Errorf("revision %d, want 7", sum.Revision)
	}
	st, err := reference.Replay(ctx, s)
	if err != nil {
		t.Fatal(err) // the unknown event type is skipped
	}
	if len(st.Targets()) != 2 {
		t.Errorf("%d targets", len(st.Targets()))
	}
}

func TestApplyRejectsPartsOutOfOrder(t *testing.T) {
	st := reference.NewState()
	data, _ := json.Marshal(reference.LearnersSet{SetHeader: reference.SetHeader{Load: "x", Part: 1, Parts: 2}})
	err := st.Apply(&eventstore.RecordedEvent{Type: reference.EventLearnersSet, Stream: reference.Stream, Data: data})
	if err == nil || !strings.Contains(err.Error(), "without its earlier parts") {
		t.Errorf("err %v", err)
	}
}

// Issue 12, F1: reference-data events that do not apply, appended below
// Load's checks, are skipped by Replay (each kind keeps its earlier rows),
// so that later loads and every reader go on working.
func TestReplaySkipsEventsThatDoNotApply(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if _, err := reference.Load(ctx, s, reference.Example(), reference.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	before, err := reference.Replay(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	poison := []eventstore.EventData{
		// A part of no load.
		{ID: uuid.New(), Type: reference.EventType(reference.KindCommunes), Data: []byte(`{"load":"x","part":7,"parts":1}`)},
		// The only part of a load, whose rows cannot be decoded.
		{ID: uuid.New(), Type: reference.EventType(reference.KindCommunes), Data: []byte(`{"load":"y","part":0,"parts":1,"communes":"none"}`)},
		// Not JSON.
		{ID: uuid.New(), Type: reference.EventType(reference.KindTargets), Data: []byte(`{"load":`)},
	}
	if _, err := s.Append(ctx, reference.Stream, eventstore.Any, poison...); err != nil {
		t.Fatal(err)
	}
	st, err := reference.Replay(ctx, s)
	if err != nil {
		t.Fatalf("replay stopped at a poison event: %v", err)
	}
	if len(st.Skipped()) != len(poison) {
		t.Errorf("skipped %v, want %d events", st.Skipped(), len(poison))
	}
	for _, k := range []reference.Kind{reference.KindCommunes, reference.KindTargets} {
		if reference.ContentHash(st.Data(), k) != reference.ContentHash(before.Data(), k) {
			t.Errorf("%s changed by events that do not apply", k)
		}
	}
	d := &reference.Data{Targets: reference.PlanTargets()[:2]}
	sum, err := reference.Load(ctx, s, d, reference.LoadOptions{})
	if err != nil {
		t.Fatalf("load after the poison events: %v", err)
	}
	if st, err = reference.Replay(ctx, s); err != nil || len(st.Targets()) != 2 || sum.Events != 1 {
		t.Fatalf("after the load: %d targets, %d events, %v", len(st.Targets()), sum.Events, err)
	}
}
