package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
)

// BulkStore is the part of the event store WriteBulk uses.
type BulkStore interface {
	eventstore.Appender
	eventstore.StreamReader
}

// BulkOptions tune WriteBulk.
type BulkOptions struct {
	// Credential is recorded as the writing credential in the metadata
	// (the authority of the statements should name the same key).
	Credential string
	// EventsPerAppend bounds the statements of one append (default 5000);
	// each append is one atomic batch in the log.
	EventsPerAppend int
	// Progress, when set, is called after each append with the number of
	// statements appended so far (including skipped ones on resume).
	Progress func(done int)
}

// BulkResult says what WriteBulk did.
type BulkResult struct {
	Appended int // statements appended now
	Skipped  int // statements already in the log (resumed run)
	Appends  int
	Position eventstore.Position
}

// StatementID is the id of statement i (also its event id).
func (c *Campaign) StatementID(i int) uuid.UUID {
	e := &c.events[i]
	var id uuid.UUID
	b := appendUUID(nil, statementBits(c.cfg.Seed, e))
	_ = id.UnmarshalText(b)
	return id
}

// WriteBulk appends the campaign's statements to the statements stream
// the way the LRS stores them: event type xapi.statement.stored.v1, the
// statement id as event id, data in FormStored (id, stored, timestamp,
// authority, version set), metadata lrs.StatementStoredMeta, in order of
// stored time, in large appends at exact expected revisions. Rendering of
// the next append overlaps the current one.
//
// Stored times must not decrease along the stream, so the log must be
// empty or end before the campaign's first stored time. A run that was
// interrupted resumes: when the stream ends with one of this campaign's
// statements, writing continues after it.
func (c *Campaign) WriteBulk(ctx context.Context, s BulkStore, opts BulkOptions) (BulkResult, error) {
	if c.render.authority == "" {
		return BulkResult{}, errors.New("simulate: bulk writing needs an authority (Generate with a non-nil authority)")
	}
	if opts.EventsPerAppend <= 0 {
		opts.EventsPerAppend = 5000
	}
	if n := len(c.events); n > 0 && c.Stored(n-1).After(time.Now()) {
		return BulkResult{}, fmt.Errorf("simulate: the campaign's last stored time %s is in the future; an LRS never stores ahead of its clock (end the campaign earlier)", c.Stored(n-1).Format(time.RFC3339))
	}
	expected, from, err := c.resumePoint(ctx, s)
	if err != nil {
		return BulkResult{}, err
	}
	res := BulkResult{Skipped: from}
	if opts.Progress != nil && from > 0 {
		opts.Progress(from)
	}
	type chunk struct {
		lo, hi int
		events []eventstore.EventData
	}
	chunks := make(chan chunk, 2)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(chunks)
		for lo := from; lo < len(c.events); lo += opts.EventsPerAppend {
			hi := min(lo+opts.EventsPerAppend, len(c.events))
			meta, _ := json.Marshal(lrs.StatementStoredMeta{
				Batch:       uuid.NewSHA1(bulkNamespace, fmt.Appendf(nil, "%d|%d", c.cfg.Seed, lo)).String(),
				Credential:  opts.Credential,
				XAPIVersion: "2.0.0",
				Define:      true,
			})
			evs := make([]eventstore.EventData, hi-lo)
			buf := make([]byte, 0, (hi-lo)*1600)
			starts := make([]int, hi-lo+1)
			for i := lo; i < hi; i++ {
				starts[i-lo] = len(buf)
				buf = c.Append(buf, i, FormStored)
			}
			starts[hi-lo] = len(buf)
			for i := lo; i < hi; i++ {
				evs[i-lo] = eventstore.EventData{ID: c.StatementID(i), Type: lrs.EventStatementStored,
					Data: buf[starts[i-lo]:starts[i-lo+1]:starts[i-lo+1]], Metadata: meta}
			}
			select {
			case chunks <- chunk{lo, hi, evs}:
			case <-rctx.Done():
				return
			}
		}
	}()
	for ch := range chunks {
		r, err := s.Append(ctx, lrs.StatementsStream, expected, ch.events...)
		if err != nil {
			return res, fmt.Errorf("simulate: append statements %d–%d: %w", ch.lo, ch.hi-1, err)
		}
		expected = eventstore.Exact(r.NextExpectedRevision)
		res.Appended += ch.hi - ch.lo
		res.Appends++
		res.Position = r.Position
		if opts.Progress != nil {
			opts.Progress(ch.hi)
		}
	}
	return res, ctx.Err()
}

var bulkNamespace = uuid.MustParse("0b8f4c2e-6a1d-4f3b-9e7c-2d5a8b1c3e4f")

// resumePoint finds where to append: the expected revision, and the first
// statement to write (after the last one of this campaign already in the
// log).
func (c *Campaign) resumePoint(ctx context.Context, s BulkStore) (eventstore.ExpectedRevision, int, error) {
	last, err := s.ReadStream(ctx, lrs.StatementsStream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return eventstore.NoStream, 0, nil
	}
	if err != nil {
		return eventstore.Any, 0, fmt.Errorf("simulate: read the head of %s: %w", lrs.StatementsStream, err)
	}
	head := last[0]
	expected := eventstore.Exact(head.Revision)
	var st struct {
		Stored string `json:"stored"`
	}
	if err := json.Unmarshal(head.Data, &st); err != nil {
		return eventstore.Any, 0, fmt.Errorf("simulate: decode the last statement: %w", err)
	}
	stored, err := time.Parse(time.RFC3339Nano, st.Stored)
	if err != nil {
		return eventstore.Any, 0, fmt.Errorf("simulate: the last statement's stored time %q: %w", st.Stored, err)
	}
	// Resume if the last event is one of ours.
	ms := stored.UnixMilli()
	k := sort.Search(len(c.events), func(i int) bool { return c.events[i].stored >= ms })
	for i := k; i < len(c.events) && c.events[i].stored == ms; i++ {
		if c.StatementID(i) == head.ID {
			return expected, i + 1, nil
		}
	}
	if len(c.events) > 0 && c.events[0].stored < ms {
		return eventstore.Any, 0, fmt.Errorf("simulate: %s already holds statements stored up to %s, after this campaign's first statement (%s); stored times must not decrease along the log: bulk-load into an empty data directory, or simulate a later period",
			lrs.StatementsStream, stored.Format(time.RFC3339), c.Stored(0).Format(time.RFC3339))
	}
	return expected, 0, nil
}
