package forwarding_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/lease"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// tagged records which process delivered a batch.
type tagged struct {
	rec  *recorder
	tag  string
	tags *sync.Map // delivery id -> tags
}

func (t tagged) Deliver(ctx context.Context, b *forwarding.Outgoing) error {
	v, _ := t.tags.LoadOrStore(b.Delivery, &sync.Map{})
	v.(*sync.Map).Store(t.tag, true)
	return t.rec.Deliver(ctx, b)
}

// Two processes with the forwarding lease: one delivers; when it stops,
// the other takes over from the checkpoint, and no statement goes out
// under two delivery ids.
func TestOneProcessDeliversUnderTheLease(t *testing.T) {
	forEachStore(t, func(t *testing.T, store forwarding.RuntimeStore) {
		h := newHarness(t, store)
		want := campaign(t, store, 30)
		h.create(forwarding.Spec{Name: "hook", Start: "beginning", BatchSize: 5, Filter: forwarding.Filter{Verb: []string{verbCompleted}}})
		rec := h.target("hook")
		var tags sync.Map
		stops := map[string]func(){}
		for _, name := range []string{"A", "B"} {
			l := lease.New(store, "forwarding", name, 2*time.Second, testLogger(t))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); l.Run(ctx) }()
			stopSup := h.start(func(env *forwarding.Env) {
				env.Gate = l
				env.Targets = func(f *forwarding.Forward, secret string) (forwarding.Target, error) {
					return tagged{rec: rec, tag: name, tags: &tags}, nil
				}
			})
			stops[name] = func() { stopSup(); cancel(); <-done }
			t.Cleanup(stops[name])
		}
		rec.waitFor(t, "every completion", func() bool { return len(rec.ackedIDs()) >= len(want) })
		deliverers := func() map[string]bool {
			out := map[string]bool{}
			tags.Range(func(_, v any) bool {
				v.(*sync.Map).Range(func(k, _ any) bool { out[k.(string)] = true; return true })
				return true
			})
			return out
		}
		first := deliverers()
		if len(first) != 1 {
			t.Fatalf("delivered by %v, want one process", first)
		}
		holder, other := "A", "B"
		if first["B"] {
			holder, other = "B", "A"
		}
		stops[holder]()
		tags = sync.Map{}
		more := campaign(t, store, 30)
		want = append(want, more...)
		rec.waitFor(t, "the completions after the take-over", func() bool { return len(rec.uniqueIDs()) >= len(want) })
		if second := deliverers(); len(second) != 1 || !second[other] {
			t.Errorf("after %s stopped, delivered by %v, want %s", holder, second, other)
		}
		checkNoStrayDuplicates(t, rec.all())
		if got := rec.uniqueIDs(); !slices.Equal(got, want) {
			t.Errorf("delivered %v, want %v", got, want)
		}
	})
}

// A voiding statement goes where the statement it voids went, whatever
// the filter says of the voiding statement itself.
func TestVoidingStatementsFollowTheirTarget(t *testing.T) {
	store := openStore(t)
	ix, err := statementindex.Open(t.TempDir(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	run := projections.NewRunner(store, ix, projections.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = run.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	h := newHarness(t, store)
	h.create(forwarding.Spec{Name: "hook", Start: "beginning", BatchSize: 10, Filter: forwarding.Filter{Verb: []string{verbCompleted}}})
	matching := newStatement(1, verbCompleted, lesson1)
	other := newStatement(2, verbOther, lesson1)
	void := func(target stmt) stmt {
		v := newStatement(3, vocab.VerbVoided, "")
		v["object"] = map[string]any{"objectType": "StatementRef", "id": strings.ToUpper(target.id())}
		return v
	}
	v1, v2 := void(matching), void(other)
	appendStatements(t, store, matching, other)
	appendStatements(t, store, v1, v2)
	h.start(func(env *forwarding.Env) { env.Lookup = statementindex.Live{Index: ix, Runner: run} })
	rec := h.target("hook")
	rec.waitFor(t, "the voiding statement", func() bool { return len(rec.ackedIDs()) >= 2 })
	// Everything up to v2 is handled once the progress says so.
	rec.waitFor(t, "the progress", func() bool { return h.show("hook").Lag == 0 && h.show("hook").Pending == 0 })
	if got := rec.ackedIDs(); !slices.Equal(got, []string{matching.id(), v1.id()}) {
		t.Errorf("delivered %v, want the completion %s and its voiding %s", got, matching.id(), v1.id())
	}
}

// Campaign filters use the learner directory as it was at each
// statement's place in the log, also after a restart.
func TestDirectoryAttributionFollowsTheLog(t *testing.T) {
	store := openStore(t)
	loadLearners := func(commune1, commune2 string) {
		evs, err := reference.Events(&reference.Data{Learners: []reference.Learner{
			{HomePage: "https://vneid.example", Name: "hv-00001", Commune: commune1, Group: "citizen"},
			{HomePage: "https://vneid.example", Name: "hv-00002", Commune: commune2, Group: "citizen"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(context.Background(), reference.Stream, eventstore.Any, evs...); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, store)
	h.create(forwarding.Spec{Name: "xa", Start: "beginning", Filter: forwarding.Filter{Commune: []string{"21172"}}})
	loadLearners("21172", "21175")
	s1, s2 := newStatement(1, verbCompleted, lesson1), newStatement(2, verbCompleted, lesson1)
	appendStatements(t, store, s1, s2)
	stop := h.start(nil)
	rec := h.target("xa")
	rec.waitFor(t, "the first statement", func() bool { return len(rec.ackedIDs()) >= 1 })
	loadLearners("21175", "21172") // the learners moved
	s3, s4 := newStatement(1, verbCompleted, lesson1), newStatement(2, verbCompleted, lesson1)
	appendStatements(t, store, s3)
	stop()
	appendStatements(t, store, s4)
	h.start(nil)
	rec.waitFor(t, "the fourth statement", func() bool { return len(rec.ackedIDs()) >= 2 })
	rec.waitFor(t, "the progress", func() bool { return h.show("xa").Lag == 0 })
	if got := rec.ackedIDs(); !slices.Equal(got, []string{s1.id(), s4.id()}) {
		t.Errorf("delivered %v, want %v", got, []string{s1.id(), s4.id()})
	}
}

// A reference-data event that does not apply is skipped when a restarted
// forward folds the learner directory up to its checkpoint, as it is when
// the forward meets it live: it never keeps the forward from starting.
func TestUndecodableReferenceEventDoesNotStopARestart(t *testing.T) {
	store := openStore(t)
	evs, err := reference.Events(&reference.Data{Learners: []reference.Learner{
		{HomePage: "https://vneid.example", Name: "hv-00001", Commune: "21172", Group: "citizen"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(context.Background(), reference.Stream, eventstore.Any, evs...); err != nil {
		t.Fatal(err)
	}
	appendRaw(t, store, reference.Stream, reference.EventLearnersSet, []byte(`{"load":`))
	h := newHarness(t, store)
	h.create(forwarding.Spec{Name: "xa", Start: "beginning", Filter: forwarding.Filter{Commune: []string{"21172"}}})
	s1, s2 := newStatement(1, verbCompleted, lesson1), newStatement(1, verbCompleted, lesson1)
	appendStatements(t, store, s1)
	stop := h.start(nil)
	rec := h.target("xa")
	rec.waitFor(t, "the first statement", func() bool { return len(rec.ackedIDs()) >= 1 })
	rec.waitFor(t, "the progress", func() bool { return h.show("xa").Lag == 0 })
	stop()
	appendStatements(t, store, s2)
	h.start(nil)
	rec.waitFor(t, "the statement after the restart", func() bool { return len(rec.ackedIDs()) >= 2 })
	if got := rec.ackedIDs(); !slices.Equal(got, []string{s1.id(), s2.id()}) {
		t.Errorf("delivered %v, want %v", got, []string{s1.id(), s2.id()})
	}
}

type prober struct{ err error }

func (p prober) Deliver(context.Context, *forwarding.Outgoing) error { return nil }
func (p prober) Probe(context.Context) error                         { return p.err }

func TestServiceConfiguration(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	h := newHarness(t, store)
	var probed []string
	svc := forwarding.NewService(h.reg, store, forwarding.ServiceOptions{Secrets: h.box, Targets: func(f *forwarding.Forward, secret string) (forwarding.Target, error) {
		probed = append(probed, secret)
		return prober{err: errors.New("connection refused")}, nil
	}})
	appendStatements(t, store, newStatement(1, verbCompleted, lesson1))
	spec := forwarding.Spec{Name: "ministry", Target: forwarding.TargetSpec{Kind: forwarding.TargetXAPI, URL: "https://lrs.example/xapi", Username: "hocvu", Secret: "pa55"}}
	st, warnings, err := svc.Create(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "unreachable") || !slices.Equal(probed, []string{"pa55"}) {
		t.Errorf("warnings %q, probed with %q", warnings, probed)
	}
	f := st.Forward
	if f.Target.Auth != forwarding.AuthBasic || f.Target.Version != "2.0.0" || f.Pseudonymize || f.BatchSize != 100 || f.MaxAttempts != 5 ||
		f.OnReject != "continue" || f.Start.From != "now" || f.Start.After == "" {
		t.Errorf("defaults: %+v", f)
	}
	if f.Target.Secret.Sealed != "" || f.Target.Secret.Key != h.box.KeyID() {
		t.Errorf("the status shows the sealed secret: %+v", f.Target.Secret)
	}
	if out, _ := json.Marshal(st); strings.Contains(string(out), "pa55") {
		t.Errorf("the secret shows: %s", out)
	}
	if _, _, err := svc.Create(ctx, spec); !errors.Is(err, forwarding.ErrExists) {
		t.Errorf("same name again: %v", err)
	}
	// A change without a secret keeps it; the target is probed again with it.
	spec2 := forwarding.SpecOf(f)
	spec2.Target.URL = "https://lrs2.example/xapi"
	spec2.Name = "bo"
	probed = nil
	if _, _, err := svc.Change(ctx, "ministry", spec2); err != nil {
		t.Fatal(err)
	}
	cur, ok := h.reg.Get("bo")
	if !ok || cur.Target.URL != "https://lrs2.example/xapi" || cur.Start != f.Start || cur.Created != f.Created {
		t.Fatalf("after the change: %+v", cur)
	}
	if plain, err := h.box.Open(cur.ID, cur.Target.Secret); err != nil || plain != "pa55" || !slices.Equal(probed, []string{"pa55"}) {
		t.Errorf("the secret after a change: %q %v (probed %q)", plain, err, probed)
	}
	// Refused configurations.
	for _, bad := range []forwarding.Spec{
		{Name: "x1", Target: forwarding.TargetSpec{Kind: forwarding.TargetWebhook, URL: "https://h.example/in"}},
		{Name: "x2", Target: forwarding.TargetSpec{Kind: forwarding.TargetWebhook, URL: "https://h.example/in", Secret: "s", SecretRef: "env:X"}},
		{Name: "x3", Target: forwarding.TargetSpec{Kind: forwarding.TargetXAPI, URL: "not a url"}},
		{Name: "x4", Target: forwarding.TargetSpec{Kind: forwarding.TargetWebhook, URL: "https://h.example/in", Secret: "s"}, Start: "yesterday"},
		{Name: "x5", Target: forwarding.TargetSpec{Kind: forwarding.TargetWebhook, URL: "https://h.example/in", SecretRef: "X"}},
	} {
		if _, _, err := svc.Create(ctx, bad); !errors.Is(err, forwarding.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", bad.Name, err)
		}
	}
	// Pause, resume and delete; the name is free again after a delete.
	if st, err := svc.Pause(ctx, "bo"); err != nil || st.State != "paused" {
		t.Fatalf("pause: %v %v", st.State, err)
	}
	if st, err := svc.Resume(ctx, "bo"); err != nil || st.State != "active" {
		t.Fatalf("resume: %v %v", st.State, err)
	}
	if err := svc.Delete(ctx, "bo"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Show(ctx, "bo"); !errors.Is(err, forwarding.ErrNotFound) {
		t.Errorf("show after delete: %v", err)
	}
	spec.Name = "bo"
	if _, _, err := svc.Create(ctx, spec); err != nil {
		t.Errorf("reuse of a deleted name: %v", err)
	}
	// The whole history is in the log.
	var types []string
	if err := eventstore.ReplayStream(ctx, store, forwarding.Stream, func(ev *eventstore.RecordedEvent) { types = append(types, ev.Type) }); err != nil {
		t.Fatal(err)
	}
	want := []string{forwarding.EventCreated, forwarding.EventChanged, forwarding.EventPaused, forwarding.EventResumed, forwarding.EventDeleted, forwarding.EventCreated}
	if !slices.Equal(types, want) {
		t.Errorf("history %v, want %v", types, want)
	}
}

// A forward that starts from a date skips the statements stored before it.
func TestStartFromADate(t *testing.T) {
	store := openStore(t)
	h := newHarness(t, store)
	var want []string
	for i, stored := range []string{"2025-01-01T00:00:00.000Z", "2025-02-28T23:59:59.999Z", "2025-03-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z"} {
		st := newStatement(i, verbCompleted, lesson1)
		st["stored"] = stored
		appendStatements(t, store, st)
		if i >= 2 {
			want = append(want, st.id())
		}
	}
	h.create(forwarding.Spec{Name: "spring", Start: "2025-03-01"})
	h.start(nil)
	rec := h.target("spring")
	rec.waitFor(t, "the statements from March", func() bool { return len(rec.ackedIDs()) >= 2 })
	rec.waitFor(t, "the progress", func() bool { return h.show("spring").Lag == 0 })
	if got := rec.ackedIDs(); !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

// Events a forward cannot handle (written below the LRS's validation):
// statement events no decoder accepts and a reference-data event that
// does not apply. The forward follows the projections' poison-event
// policy: it skips each, records it once in the quarantine under
// forward-NAME, counts it, and delivers the rest, also after a restart
// that folds the bad reference event again below its checkpoint.
func TestPoisonEventsAreQuarantined(t *testing.T) {
	forEachStore(t, func(t *testing.T, store forwarding.RuntimeStore) {
		ctx := context.Background()
		h := newHarness(t, store)
		learners, err := reference.Events(&reference.Data{Learners: []reference.Learner{
			{HomePage: "https://vneid.example", Name: "hv-00001", Commune: "21172", Group: "citizen"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(ctx, reference.Stream, eventstore.Any, learners...); err != nil {
			t.Fatal(err)
		}
		var poison []string
		add := func(stream, typ, data string) {
			t.Helper()
			id := uuid.New()
			if _, err := store.Append(ctx, stream, eventstore.Any, eventstore.EventData{ID: id, Type: typ, Data: []byte(data)}); err != nil {
				t.Fatal(err)
			}
			poison = append(poison, id.String())
		}
		add(reference.Stream, reference.EventType(reference.KindLearners), `{"load":"poison","part":7,"parts":1}`)
		s1, s3, s4 := newStatement(1, verbCompleted, lesson1), newStatement(1, verbCompleted, lesson1), newStatement(1, verbCompleted, lesson1)
		appendStatements(t, store, s1)
		for _, data := range []string{`{"id":`, `{"id":"6f1c6e3a-0000-4000-8000-00000000000f","actor":"nobody","verb":{"id":"` + verbCompleted + `"}}`, `[1,2]`} {
			add(lrs.StatementsStream, lrs.EventStatementStored, data)
		}
		appendStatements(t, store, s3)
		yes := true
		h.create(forwarding.Spec{Name: "hook", Start: "beginning", Pseudonymize: &yes, Filter: forwarding.Filter{Commune: []string{"21172"}}})
		q := projections.NewLogQuarantine(store)
		withQuarantine := func(env *forwarding.Env) { env.Quarantine = q }
		stop := h.start(withQuarantine)
		rec := h.target("hook")
		rec.waitFor(t, "the statement after the poison", func() bool { return len(rec.ackedIDs()) >= 2 })
		rec.waitFor(t, "the progress", func() bool { return h.show("hook").Lag == 0 && h.show("hook").Pending == 0 })
		check := func(when string) {
			t.Helper()
			recs, err := projections.NewLogQuarantine(store).List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				if r.Projection != forwarding.QuarantineName("hook") || r.Error == "" {
					t.Errorf("%s: unexpected record %+v", when, r)
				}
				got = append(got, r.EventID)
			}
			if !slices.Equal(got, poison) {
				t.Fatalf("%s: quarantined %v, want the poison events %v", when, got, poison)
			}
			raw := 0
			if err := eventstore.ReplayStream(ctx, store, projections.QuarantineStream, func(*eventstore.RecordedEvent) { raw++ }); err != nil {
				t.Fatal(err)
			}
			if raw != len(poison) {
				t.Errorf("%s: the quarantine holds %d records for %d events", when, raw, len(poison))
			}
			if n := h.show("hook").Quarantined; n != uint64(len(poison)) {
				t.Errorf("%s: the forward counts %d quarantined events, want %d", when, n, len(poison))
			}
		}
		check("first run")
		stop()
		appendStatements(t, store, s4)
		h.start(withQuarantine)
		rec.waitFor(t, "the statement after the restart", func() bool { return len(rec.ackedIDs()) >= 3 })
		if got := rec.ackedIDs(); !slices.Equal(got, []string{s1.id(), s3.id(), s4.id()}) {
			t.Errorf("delivered %v, want %v", got, []string{s1.id(), s3.id(), s4.id()})
		}
		check("after a restart")
	})
}

// A retry of every dead letter covers those recorded before the request,
// not later ones (they wait for their own retry).
func TestRetryRequestCoversEarlierDeadLettersOnly(t *testing.T) {
	store := openStore(t)
	ctx := context.Background()
	h := newHarness(t, store)
	h.create(forwarding.Spec{Name: "hook", Start: "beginning", BatchSize: 1, MaxAttempts: 1})
	rec := h.target("hook")
	var mu sync.Mutex
	refuse := map[string]bool{}
	rec.setAnswer(func(_ context.Context, b *forwarding.Outgoing, n int) error {
		mu.Lock()
		defer mu.Unlock()
		if refuse[b.IDs[0]] {
			return &forwarding.DeliveryError{Status: 400, Rejected: true, Message: "no"}
		}
		return nil
	})
	attempts := func(id string) int {
		n := 0
		for _, d := range rec.all() {
			if d.IDs[0] == id {
				n++
			}
		}
		return n
	}
	openDeadLetters := func() int { return h.show("hook").DeadLetters }
	s1, s2, s3 := newStatement(1, verbCompleted, lesson1), newStatement(2, verbCompleted, lesson1), newStatement(3, verbCompleted, lesson1)
	refuse[s1.id()], refuse[s2.id()] = true, true
	stop := h.start(nil)
	appendStatements(t, store, s1)
	rec.waitFor(t, "the first dead letter", func() bool { return openDeadLetters() == 1 })
	if _, err := h.svc.Retry(ctx, "hook", nil); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "the failed re-drive", func() bool {
		dls, _ := h.svc.DeadLetters(ctx, "hook", false)
		return len(dls) == 1 && len(dls[0].Redrives) == 1 && !dls[0].Redrives[0].Delivered
	})
	appendStatements(t, store, s2)
	rec.waitFor(t, "the second dead letter", func() bool { return openDeadLetters() == 2 })
	stop() // a restart reads the retry requests again
	h.start(nil)
	appendStatements(t, store, s3)
	rec.waitFor(t, "the statement after the restart", func() bool { return slices.Contains(rec.ackedIDs(), s3.id()) })
	if n := attempts(s2.id()); n != 1 {
		t.Errorf("the second dead letter was tried %d times, want 1: the earlier retry request re-drove it", n)
	}
	mu.Lock()
	refuse = map[string]bool{}
	mu.Unlock()
	if _, err := h.svc.Retry(ctx, "hook", nil); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "both dead letters", func() bool { return openDeadLetters() == 0 })
	if got := rec.ackedIDs(); !slices.Equal(got, []string{s3.id(), s1.id(), s2.id()}) {
		t.Errorf("delivered %v", got)
	}
}
