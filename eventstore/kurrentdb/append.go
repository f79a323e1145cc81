package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/hocvu/hocvu/eventstore"
)

// Append implements eventstore.Appender.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := s.checkSize(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if s.isClosed() {
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	data := make([]esdb.EventData, len(events))
	for i, e := range events {
		data[i] = esdb.EventData{
			EventID:     e.ID,
			EventType:   e.Type,
			ContentType: esdb.ContentTypeJson,
			Data:        e.Data,
			Metadata:    e.Metadata,
		}
	}
	opts := esdb.AppendToStreamOptions{ExpectedRevision: toExpected(expected)}
	var wr *esdb.WriteResult
	err := s.do(ctx, false, func(ctx context.Context, c *esdb.Client) error {
		var err error
		wr, err = c.AppendToStream(ctx, stream, opts, data...)
		return err
	})
	if err != nil {
		var e *esdb.Error
		if errors.As(err, &e) && e.Code() == esdb.ErrorCodeWrongExpectedVersion {
			msg := ""
			if e.Err() != nil {
				msg = e.Err().Error()
			}
			return eventstore.AppendResult{}, s.wrongExpected(ctx, stream, expected, msg)
		}
		if cutMidAppend(err) && ctx.Err() == nil && !s.isClosed() {
			return eventstore.AppendResult{}, s.explainCut(ctx, stream, events, err)
		}
		return eventstore.AppendResult{}, s.wrap(ctx, "append to "+stream, err)
	}
	res := eventstore.AppendResult{
		NextExpectedRevision: wr.NextExpectedVersion,
		Position:             eventstore.Position{Commit: wr.CommitPosition, Prepare: wr.PreparePosition},
	}
	if res.Position.IsStart() {
		// No position in the answer: KurrentDB answers an idempotent retry
		// that way. The events are stored; find where the last one is.
		ev, err := s.eventAt(ctx, stream, res.NextExpectedRevision)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("kurrentdb: append to %s was acknowledged without a position, and reading it failed (retrying the append is safe): %w", stream, err)
		}
		res.Position = ev.Position
	}
	return res, nil
}

func toExpected(e eventstore.ExpectedRevision) esdb.ExpectedRevision {
	switch {
	case e.IsNoStream():
		return esdb.NoStream{}
	case e.IsStreamExists():
		return esdb.StreamExists{}
	}
	if rev, ok := e.Revision(); ok {
		return esdb.Revision(rev)
	}
	return esdb.Any{}
}

// currentRe finds the actual revision in the client's message, "wrong
// expected version: expecting '1' but got '4'" or "... but got 'no_stream'".
var currentRe = regexp.MustCompile(`but got '([^']*)'`)

// parseCurrent returns the stream's actual last revision from the
// client's conflict message; ok is false when the message has none.
func parseCurrent(msg string) (rev uint64, exists, ok bool) {
	m := currentRe.FindStringSubmatch(msg)
	if m == nil {
		return 0, false, false
	}
	if m[1] == "no_stream" {
		return 0, false, true
	}
	rev, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		return 0, false, false
	}
	return rev, true, true
}

// wrongExpected builds the typed conflict error. The actual revision comes
// from the server's answer; when that cannot be parsed, from the stream's
// last event as it is now.
func (s *Store) wrongExpected(ctx context.Context, stream string, expected eventstore.ExpectedRevision, msg string) error {
	wer := &eventstore.WrongExpectedRevisionError{Stream: stream, Expected: expected}
	if rev, exists, ok := parseCurrent(msg); ok {
		wer.Actual, wer.ActualExists = rev, exists
		return wer
	}
	evs, err := s.readStream(ctx, stream, esdb.Backwards, esdb.End{}, 1)
	switch {
	case errors.Is(err, eventstore.ErrStreamNotFound):
	case err != nil:
		return errors.Join(wer, fmt.Errorf("kurrentdb: read the actual revision of %s: %w", stream, err))
	case len(evs) > 0:
		wer.Actual, wer.ActualExists = evs[0].Revision, true
	}
	return wer
}
