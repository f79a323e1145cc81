package kurrentdb_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
)

// sized returns n events of the given data size each.
func sized(n, size int) []eventstore.EventData {
	evs := make([]eventstore.EventData, n)
	for i := range evs {
		evs[i] = eventstore.EventData{ID: uuid.New(), Type: "t", Data: []byte(`"` + strings.Repeat("x", size-2) + `"`)}
	}
	return evs
}

// TestTooLarge checks every way an append can be too large: each fails
// with ErrTooLarge and a message that says why, nothing of it is stored,
// and the store keeps working.
func TestTooLarge(t *testing.T) {
	cases := []struct {
		name   string
		server kurrenttest.Options
		adapt  int // Options.MaxAppendSize
		events []eventstore.EventData
		want   string
	}{
		{
			// The server reads the whole append, then refuses it.
			name:   "server refuses the total",
			server: kurrenttest.Options{MaxAppendSize: 4096},
			events: sized(1, 5000),
			want:   "Maximum Append Size of 4096 Exceeded",
		},
		{
			name:   "server refuses one event",
			server: kurrenttest.Options{MaxAppendEventSize: 2048},
			events: append(sized(1, 100), sized(1, 3000)...),
			want:   "exceeds Maximum Append Event Size of 2048",
		},
		{
			// The server refuses after the first event while the client
			// still has far more than the flow-control windows to send:
			// client v4.2.0 sees only an io.EOF of its send.
			name:   "server cuts the append",
			server: kurrenttest.Options{MaxAppendSize: 4096, Window: 64 << 10},
			events: sized(64, 16<<10),
			want:   "the server ended the append while it was being sent (1048704 bytes in 64 events) and still answers",
		},
		{
			// The adapter knows the limit and sends nothing: the server
			// here would accept the append.
			name:   "adapter refuses before sending",
			adapt:  4096,
			events: sized(1, 5000),
			want:   "5002 bytes in 1 events, more than the server's MaxAppendSize of 4096 bytes",
		},
		{
			// Over the contract's MaxEventSize: refused in every store, as
			// too large as well as invalid.
			name:   "event over the contract's limit",
			events: sized(1, eventstore.MaxEventSize+1),
			want:   "more than the 8388608 allowed",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := kurrenttest.New(t, c.server)
			opts := testOptions()
			opts.MaxAppendSize = c.adapt
			st := openStore(t, srv.URL(), opts)
			defer st.Close()
			ctx := testCtx(t)
			stream := "big-" + uuid.NewString()
			_, err := st.Append(ctx, stream, eventstore.NoStream, c.events...)
			if !errors.Is(err, eventstore.ErrTooLarge) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant ErrTooLarge saying %q", err, c.want)
			}
			if _, err := st.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Max: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Fatalf("after a refused append the stream reads %v, want ErrStreamNotFound", err)
			}
			// The connection is still fine, and the same stream takes a
			// small append.
			if _, err := st.Append(ctx, stream, eventstore.NoStream, newEvent("t")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCutAppendWithServerGone: an append cut because the server went away
// is not reported as too large (its outcome is unknown).
func TestCutAppendWithServerGone(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{Window: 64 << 10})
	st := openStore(t, srv.URL(), testOptions())
	defer st.Close()
	ctx := testCtx(t)
	if _, err := st.Append(ctx, "warm-"+uuid.NewString(), eventstore.Any, newEvent("t")); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, err := st.Append(ctx, "big-"+uuid.NewString(), eventstore.NoStream, sized(64, 16<<10)...)
	if err == nil || errors.Is(err, eventstore.ErrTooLarge) {
		t.Fatalf("append to a closed server: %v, want a connection error that is not ErrTooLarge", err)
	}
}
