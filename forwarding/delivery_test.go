package forwarding_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/forwarding"
)

const verbOther = "http://adlnet.gov/expapi/verbs/experienced"

// campaign appends n statements, every third with another verb, and
// returns the ids of those with verbCompleted, in log order.
func campaign(t testing.TB, s eventstore.Appender, n int) []string {
	var sts []stmt
	var want []string
	for i := 0; i < n; i++ {
		verb := verbCompleted
		if i%3 == 2 {
			verb = verbOther
		}
		st := newStatement(i, verb, fmt.Sprintf("https://hoctap.example/bai-%d", i))
		sts = append(sts, st)
		if verb == verbCompleted {
			want = append(want, st.id())
		}
	}
	appendStatements(t, s, sts...)
	return want
}

// checkNoStrayDuplicates: a statement is only ever sent again inside the
// same delivery (same id, same statements).
func checkNoStrayDuplicates(t testing.TB, deliveries []forwarding.Outgoing) {
	t.Helper()
	byDelivery := map[string][]string{}
	owner := map[string]string{}
	for _, d := range deliveries {
		if prev, ok := byDelivery[d.Delivery]; ok && !slices.Equal(prev, d.IDs) {
			t.Errorf("delivery %s sent with other statements: %v then %v", d.Delivery, prev, d.IDs)
		}
		byDelivery[d.Delivery] = d.IDs
		for _, id := range d.IDs {
			if o, ok := owner[id]; ok && o != d.Delivery {
				t.Errorf("statement %s sent in deliveries %s and %s", id, o, d.Delivery)
			}
			owner[id] = d.Delivery
		}
	}
}

func TestDeliversInLogOrderInBatches(t *testing.T) {
	forEachStore(t, func(t *testing.T, store forwarding.RuntimeStore) {
		h := newHarness(t, store)
		want := campaign(t, store, 40)
		h.create(forwarding.Spec{Name: "completions", Start: "beginning", BatchSize: 7, Filter: forwarding.Filter{Verb: []string{verbCompleted}}})
		h.start(nil)
		target := h.target("completions")
		target.waitFor(t, "every completion", func() bool { return len(target.ackedIDs()) >= len(want) })
		more := campaign(t, store, 20) // live, after catching up
		want = append(want, more...)
		target.waitFor(t, "the live completions", func() bool { return len(target.ackedIDs()) >= len(want) })
		if got := target.ackedIDs(); !slices.Equal(got, want) {
			t.Fatalf("delivered %d statements %v,\nwant %d in log order %v", len(got), got, len(want), want)
		}
		for _, d := range target.all() {
			if len(d.IDs) > 7 || len(d.IDs) == 0 {
				t.Errorf("a batch of %d statements", len(d.IDs))
			}
		}
		target.waitFor(t, "the progress", func() bool { st := h.show("completions"); return st.Delivered == uint64(len(want)) && st.Lag == 0 })
		st := h.show("completions")
		if st.Failed != 0 || st.DeadLettered != 0 || st.Pending != 0 || st.LastError != nil {
			t.Errorf("status %+v", st)
		}
	})
}

// A stop in the middle of a delivery (the process dies) sends exactly the
// batch in flight again, with the same delivery id, and nothing else twice.
func TestRestartResendsOnlyTheBatchInFlight(t *testing.T) {
	forEachStore(t, func(t *testing.T, store forwarding.RuntimeStore) {
		h := newHarness(t, store)
		want := campaign(t, store, 60)
		h.create(forwarding.Spec{Name: "hook", Start: "beginning", BatchSize: 5, Filter: forwarding.Filter{Verb: []string{verbCompleted}}})
		target := h.target("hook")
		inFlight := make(chan forwarding.Outgoing, 1)
		target.setAnswer(func(ctx context.Context, b *forwarding.Outgoing, n int) error {
			if n == 3 { // the target received the 4th batch, but the process dies before the answer
				inFlight <- *b
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		})
		stop := h.start(nil)
		interrupted := <-inFlight
		stop()
		target.setAnswer(nil)
		h.start(nil)
		target.waitFor(t, "every completion", func() bool { return len(target.ackedIDs()) >= len(want) })
		all := target.all()
		if d := all[4]; d.Delivery != interrupted.Delivery || !slices.Equal(d.IDs, interrupted.IDs) {
			t.Errorf("after the restart the first delivery is %s %v, want the interrupted %s %v", d.Delivery, d.IDs, interrupted.Delivery, interrupted.IDs)
		}
		checkNoStrayDuplicates(t, all)
		if got := target.ackedIDs(); !slices.Equal(got, want) {
			t.Fatalf("delivered %v, want %v", got, want)
		}
	})
}

func TestTransientFailuresAreRetriedUntilTheTargetIsBack(t *testing.T) {
	forEachStore(t, func(t *testing.T, store forwarding.RuntimeStore) {
		h := newHarness(t, store)
		want := campaign(t, store, 30)
		h.create(forwarding.Spec{Name: "hook", Start: "beginning", BatchSize: 10, MaxAttempts: 2, Filter: forwarding.Filter{Verb: []string{verbCompleted}}})
		target := h.target("hook")
		target.setAnswer(func(_ context.Context, b *forwarding.Outgoing, n int) error {
			switch {
			case n < 4:
				return &forwarding.DeliveryError{Status: 503, RetryAfter: 1, Message: "down for maintenance"}
			case n < 8:
				return forwarding.TransportError(errors.New("connection refused"))
			case n < 10:
				return &forwarding.DeliveryError{Status: 401, Message: "bad credentials"} // misconfigured: retried, never dead-lettered
			}
			return nil
		})
		h.start(nil)
		target.waitFor(t, "every completion", func() bool { return len(target.ackedIDs()) >= len(want) })
		if got := target.ackedIDs(); !slices.Equal(got, want) {
			t.Fatalf("delivered %v, want %v", got, want)
		}
		checkNoStrayDuplicates(t, target.all())
		target.waitFor(t, "the progress", func() bool { return h.show("hook").Delivered == uint64(len(want)) })
		st := h.show("hook")
		if st.Failed != 10 || st.Retried != 10 || st.DeadLettered != 0 || st.LastError == nil || st.LastError.Status != 401 {
			t.Errorf("failed %d retried %d dead-lettered %d last error %+v", st.Failed, st.Retried, st.DeadLettered, st.LastError)
		}
	})
}

// A batch the target rejects goes to the dead letters after MaxAttempts;
// with OnReject continue the forward goes on, and a retry re-drives it.
func TestRejectedBatchGoesToDeadLettersAndIsRedriven(t *testing.T) {
	forEachStore(t, func(t *testing.T, store forwarding.RuntimeStore) {
		ctx := context.Background()
		h := newHarness(t, store)
		want := campaign(t, store, 30) // 20 completions: batches of 5
		bad := want[7]                 // in the second batch
		h.create(forwarding.Spec{Name: "hook", Start: "beginning", BatchSize: 5, MaxAttempts: 3, Filter: forwarding.Filter{Verb: []string{verbCompleted}}})
		target := h.target("hook")
		accept := make(chan struct{})
		target.setAnswer(func(_ context.Context, b *forwarding.Outgoing, n int) error {
			select {
			case <-accept:
				return nil
			default:
			}
			if slices.Contains(b.IDs, bad) {
				return &forwarding.DeliveryError{Status: 400, Rejected: true, Message: "statement " + bad + " is invalid here"}
			}
			return nil
		})
		h.start(nil)
		target.waitFor(t, "the other batches", func() bool { return len(target.ackedIDs()) >= len(want)-5 })
		var deadBatch []string
		for _, d := range target.all() {
			if slices.Contains(d.IDs, bad) {
				deadBatch = d.IDs
			}
		}
		rejected := 0
		for _, d := range target.all() {
			if slices.Contains(d.IDs, bad) {
				rejected++
			}
		}
		if rejected != 3 {
			t.Errorf("the bad batch was tried %d times, want 3", rejected)
		}
		target.waitFor(t, "the dead letter and the progress", func() bool {
			st := h.show("hook")
			return st.DeadLetters == 1 && st.Delivered == uint64(len(want)-5)
		})
		st := h.show("hook")
		if st.State != "active" || st.DeadLettered != 5 || st.Delivered != uint64(len(want)-5) || st.LastError.Status != 400 {
			t.Errorf("status %+v", st)
		}
		dls, err := h.svc.DeadLetters(ctx, "hook", false)
		if err != nil || len(dls) != 1 {
			t.Fatalf("dead letters %v %v", dls, err)
		}
		var ids []string
		for _, e := range dls[0].Events {
			ids = append(ids, e.Statement)
		}
		if !slices.Equal(ids, deadBatch) || dls[0].Attempts != 3 || dls[0].LastError.Status != 400 {
			t.Errorf("dead letter %+v, want the batch %v", dls[0], deadBatch)
		}
		if _, err := h.svc.Retry(ctx, "hook", []string{"no-such-dead-letter"}); !errors.Is(err, forwarding.ErrNoDeadLetter) {
			t.Errorf("retry of an unknown dead letter: %v", err)
		}
		close(accept) // the target was fixed
		if _, err := h.svc.Retry(ctx, "hook", nil); err != nil {
			t.Fatal(err)
		}
		target.waitFor(t, "the re-drive", func() bool { return len(target.ackedIDs()) >= len(want) })
		last := target.acked()[len(target.acked())-1]
		if last.Delivery != dls[0].ID || !slices.Equal(last.IDs, deadBatch) {
			t.Errorf("re-drive sent %s %v, want the dead letter %s %v", last.Delivery, last.IDs, dls[0].ID, deadBatch)
		}
		target.waitFor(t, "the dead letter to close", func() bool { return h.show("hook").DeadLetters == 0 })
		all, _ := h.svc.DeadLetters(ctx, "hook", true)
		if len(all) != 1 || all[0].Open || len(all[0].Redrives) != 1 || !all[0].Redrives[0].Delivered {
			t.Errorf("after the re-drive: %+v", all)
		}
		got := target.ackedIDs()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("delivered %v, want %v", got, want)
		}
		if _, err := h.svc.Retry(ctx, "hook", nil); !errors.Is(err, forwarding.ErrNoDeadLetter) {
			t.Errorf("retry with no open dead letter: %v", err)
		}
	})
}

// With OnReject pause, the forward pauses itself after a dead letter and
// continues after it when resumed.
func TestPausePolicyStopsAfterADeadLetter(t *testing.T) {
	store := openStore(t)
	ctx := context.Background()
	h := newHarness(t, store)
	want := campaign(t, store, 30)
	bad := want[7]
	h.create(forwarding.Spec{Name: "hook", Start: "beginning", BatchSize: 5, MaxAttempts: 1, OnReject: forwarding.OnRejectPause, Filter: forwarding.Filter{Verb: []string{verbCompleted}}})
	target := h.target("hook")
	target.setAnswer(func(_ context.Context, b *forwarding.Outgoing, n int) error {
		if slices.Contains(b.IDs, bad) {
			return &forwarding.DeliveryError{Status: 422, Rejected: true, Message: "no"}
		}
		return nil
	})
	h.start(nil)
	target.waitFor(t, "the pause", func() bool { return h.show("hook").State == "paused" })
	st := h.show("hook")
	if st.Delivered != 5 || st.DeadLettered != 5 || !strings.Contains(st.PausedReason, "dead letters") {
		t.Errorf("after the dead letter: %+v", st)
	}
	if n := len(target.ackedIDs()); n != 5 {
		t.Errorf("%d statements delivered while paused, want 5", n)
	}
	if _, err := h.svc.Resume(ctx, "hook"); err != nil {
		t.Fatal(err)
	}
	target.waitFor(t, "the rest", func() bool { return len(target.ackedIDs()) >= len(want)-5 })
	got := target.ackedIDs()
	var rest []string
	for _, id := range want {
		if !slices.Contains(got, id) {
			rest = append(rest, id)
		}
	}
	if len(rest) != 5 || !slices.Contains(rest, bad) {
		t.Errorf("not delivered: %v, want only the dead letter's batch", rest)
	}
}
