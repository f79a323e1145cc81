package analyticsfacts

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
)

// F1: a score no float64 holds (in a log written before the LRS refused
// it) leaves the score's value absent instead of failing the statement;
// a statement that cannot be decoded at all is its event's poison.
func TestExtractToleratesNumbersAndNamesPoison(t *testing.T) {
	ps, err := analytics.NewPseudonymizer([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	odd := bytes.Replace(benchStatement, []byte(`"result":{"completion":true,`), []byte(`"result":{"score":{"raw":1e400,"scaled":-1e999,"min":0},"completion":true,`), 1)
	if bytes.Equal(odd, benchStatement) {
		t.Fatal("the test statement changed shape")
	}
	ev := eventstore.RecordedEvent{ID: uuid.New(), Type: lrs.EventStatementStored, Data: odd, Position: eventstore.Position{Commit: 1, Prepare: 1}}
	f, _, err := extract(&ev, ps, nil)
	if err != nil {
		t.Fatalf("statement with 1e400: %v", err)
	}
	if f.HasScore != 1 || f.ScoreRaw != 0 || f.ScoreScaled != 0 || f.Completion != 1 || f.Commune != "21172" {
		t.Fatalf("fact %+v", f)
	}

	p := &Projection{ps: ps, ref: reference.NewState()}
	good := eventstore.RecordedEvent{ID: uuid.New(), Type: lrs.EventStatementStored, Data: benchStatement, Position: eventstore.Position{Commit: 2, Prepare: 2}}
	bad := eventstore.RecordedEvent{ID: uuid.New(), Type: lrs.EventStatementStored, Data: []byte(`{"id":`), Position: eventstore.Position{Commit: 3, Prepare: 3}}
	_, err = p.extractAll([]eventstore.RecordedEvent{good, bad, good})
	var pe *projections.EventError
	if !errors.As(err, &pe) || pe.Event.ID != bad.ID {
		t.Fatalf("extractAll: %v, want the poison of %s", err, bad.ID)
	}
}

// A valid timestamp outside the times both engines hold takes the
// statement's stored time (and is flagged); the ends of the range are
// kept; a stored time outside it is poison.
func TestExtractTimeRange(t *testing.T) {
	ps, err := analytics.NewPseudonymizer([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	const stored = "2026-10-10T01:15:01.123Z"
	storedAt := time.Date(2026, 10, 10, 1, 15, 1, 123e6, time.UTC)
	with := func(field, old, value string) []byte {
		data := bytes.Replace(benchStatement, []byte(`"`+field+`":"`+old+`"`), []byte(`"`+field+`":"`+value+`"`), 1)
		if bytes.Equal(data, benchStatement) {
			t.Fatal("the test statement changed shape")
		}
		return data
	}
	for _, c := range []struct {
		timestamp string
		want      time.Time
		fallback  bool
	}{
		{"1970-01-01T00:00:00Z", time.Unix(0, 0).UTC(), false},
		{"2106-02-07T13:28:15.999+07:00", time.Date(2106, 2, 7, 6, 28, 15, 999e6, time.UTC), false},
		{"1969-12-31T23:59:59.999Z", storedAt, true},
		{"1970-01-01T06:59:59+07:00", storedAt, true},
		{"2106-02-07T06:28:16Z", storedAt, true},
		{"0000-01-01T00:00:00Z", storedAt, true},
		{"9999-12-31T23:59:59.999Z", storedAt, true},
	} {
		ev := eventstore.RecordedEvent{Type: lrs.EventStatementStored, Data: with("timestamp", "2026-10-10T08:15:00+07:00", c.timestamp), Position: eventstore.Position{Commit: 1, Prepare: 1}}
		f, _, err := extract(&ev, ps, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.timestamp, err)
		}
		local := c.want.In(analytics.Local)
		if !f.Timestamp.Equal(c.want) || f.TimestampFallback != c.fallback || !f.Stored.Equal(storedAt) ||
			!f.Date.Equal(time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: timestamp %s (fallback %v), date %s, stored %s; want %s (fallback %v)", c.timestamp, f.Timestamp, f.TimestampFallback, f.Date, f.Stored, c.want, c.fallback)
		}
	}
	for _, bad := range []string{"1969-12-31T23:59:59Z", "2106-02-07T06:28:16Z", "9999-01-01T00:00:00Z"} {
		ev := eventstore.RecordedEvent{Type: lrs.EventStatementStored, Data: with("stored", stored, bad), Position: eventstore.Position{Commit: 1, Prepare: 1}}
		if _, _, err := extract(&ev, ps, nil); err == nil {
			t.Errorf("stored %s: no error, want the event's poison", bad)
		}
	}
}
