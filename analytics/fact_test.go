package analytics

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
)

// F1: a score no float64 holds (in a log written before the LRS refused
// it) leaves the score's value absent instead of failing the statement;
// a statement that cannot be decoded at all is its event's poison.
func TestExtractToleratesNumbersAndNamesPoison(t *testing.T) {
	ps, err := NewPseudonymizer([]byte("0123456789abcdef0123"))
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
