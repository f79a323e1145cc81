package analytics

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
)

// Sink is an analytics engine's write side.
type Sink interface {
	// Engine names the engine ("clickhouse", "duckdb").
	Engine() string
	// Checkpoint returns the position the sink holds everything through,
	// after repairing any half-written batch a crash left behind.
	Checkpoint(ctx context.Context) (eventstore.Position, error)
	// Position returns the stored checkpoint and nothing else: no repair,
	// no write. It is safe beside a running projector (status commands).
	Position(ctx context.Context) (eventstore.Position, error)
	// Write stores a batch and its checkpoint so that, whatever happens,
	// the sink ends up with each fact exactly once. Facts whose statement
	// is voided are never in a batch; Voids name statements the sink may
	// already hold, which must then stop counting.
	Write(ctx context.Context, b *Batch) error
	// Voided returns the ids of statements voided so far and the ids of
	// voiding statements (which cannot be voided), for the projection's
	// memory.
	Voided(ctx context.Context) (voided, voiding []string, err error)
	// Reset empties every table for a rebuild.
	Reset(ctx context.Context) error
}

// Engine is a sink that also answers the named queries.
type Engine interface {
	Sink
	Counter
	// Query runs a named query of the Catalog.
	Query(ctx context.Context, name string, p Params) (*Result, error)
	Close() error
}

// Batch is what the projection hands a sink at a time.
type Batch struct {
	Facts []Fact
	Voids []Void
	// Dims, when set, replace the dimension tables.
	Dims *Dims
	// CourseNames are the course names the batch's statements define: one
	// per course and language (the batch's latest), sorted by course and
	// language. The sink keeps, per course and language, the name of the
	// highest position it was given.
	CourseNames []CourseName
	Through     eventstore.Position
}

// Projection writes statement events into a sink as facts, and the
// reference data into its dimension tables.
type Projection struct {
	sink Sink
	ps   *Pseudonymizer
	refs eventstore.StreamReader // nil: reference data only from the events applied
	ref  *reference.State

	mu      sync.Mutex
	voided  map[string]bool // statements voided so far
	voiding map[string]bool // voiding statements
	loaded  bool
	// writing, when not nil, delivers the result of the write in flight
	// (ApplyAsync).
	writing chan error
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Resetter   = (*Projection)(nil)
	_ projections.Pipeliner  = (*Projection)(nil)
)

// NewProjection creates the projection of statements into sink. refs,
// when not nil, is where the projection rereads the reference-data stream
// at start, so that the dimension tables and the learner directory are
// complete whatever the checkpoint.
func NewProjection(sink Sink, ps *Pseudonymizer, refs eventstore.StreamReader) *Projection {
	return &Projection{sink: sink, ps: ps, refs: refs, ref: reference.NewState()}
}

// Name implements projections.Projection.
func (p *Projection) Name() string { return "analytics-" + p.sink.Engine() }

// Filter implements projections.Projection.
func (p *Projection) Filter() eventstore.Filter {
	return eventstore.Filter{EventTypePrefixes: []string{lrs.EventPrefixStatement, reference.EventPrefix}}
}

// Position returns the sink's stored checkpoint without repairing or
// writing anything, so that a status command can run beside the projector
// that owns the sink.
func (p *Projection) Position(ctx context.Context) (eventstore.Position, error) {
	return p.sink.Position(ctx)
}

// Checkpoint implements projections.Projection; it also (re)loads the
// voiding memory from the sink.
func (p *Projection) Checkpoint(ctx context.Context) (eventstore.Position, error) {
	p.mu.Lock()
	_ = p.wait() // a failed write is repaired by the sink's Checkpoint
	p.mu.Unlock()
	pos, err := p.sink.Checkpoint(ctx)
	if err != nil {
		return pos, err
	}
	voided, voiding, err := p.sink.Voided(ctx)
	if err != nil {
		return pos, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ref = reference.NewState()
	if p.refs != nil {
		if err := p.replayReference(ctx, pos); err != nil {
			return pos, err
		}
		if err := p.sink.Write(ctx, &Batch{Dims: DimsFrom(p.ref), Through: pos}); err != nil {
			return pos, fmt.Errorf("analytics: write reference data: %w", err)
		}
	}
	p.voided = make(map[string]bool, len(voided))
	for _, id := range voided {
		p.voided[id] = true
	}
	p.voiding = make(map[string]bool, len(voiding))
	for _, id := range voiding {
		p.voiding[id] = true
	}
	p.loaded = true
	return pos, nil
}

// Apply implements projections.Projection.
func (p *Projection) Apply(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error {
	if err := p.ApplyAsync(ctx, events, through); err != nil {
		return err
	}
	return p.Flush(ctx)
}

// ApplyAsync implements projections.Pipeliner: it turns events into a
// batch while the previous batch is still being written, then starts
// writing this one. Batches are written one at a time, in order, each
// with its checkpoint, so a crash or a failed write loses nothing: the
// runner resumes from the sink's checkpoint.
func (p *Projection) ApplyAsync(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, err := p.prepare(events, through)
	if err != nil {
		_ = p.wait()
		p.loaded = false // the voiding memory may be half updated
		return err
	}
	if err := p.wait(); err != nil {
		return err
	}
	done := make(chan error, 1)
	p.writing = done
	go func() { done <- p.sink.Write(ctx, b) }()
	return nil
}

// Flush implements projections.Pipeliner: it waits for the write in
// flight.
func (p *Projection) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wait()
}

// wait waits for the write in flight, if any; p.mu is held. A failed
// write leaves the in-memory voiding state ahead of the sink, so the
// projection must be reloaded (Checkpoint) before it applies again.
func (p *Projection) wait() error {
	if p.writing == nil {
		return nil
	}
	err := <-p.writing
	p.writing = nil
	if err != nil {
		p.loaded = false
	}
	return err
}

// prepare turns events into a batch, updating the voiding memory; p.mu
// is held.
func (p *Projection) prepare(events []eventstore.RecordedEvent, through eventstore.Position) (*Batch, error) {
	if !p.loaded {
		return nil, fmt.Errorf("analytics: Apply before Checkpoint")
	}
	b := &Batch{Through: through, Facts: make([]Fact, 0, len(events))}
	inBatch := map[string]int{} // statement id -> index in b.Facts
	refChanged := false
	var names []CourseName
	for i := 0; i < len(events); {
		ev := &events[i]
		if strings.HasPrefix(ev.Type, reference.EventPrefix) {
			if err := p.ref.Apply(ev); err != nil {
				return nil, err
			}
			refChanged = true
			i++
			continue
		}
		// A run of statement events: extracted in parallel (with the
		// reference data as of the run), then taken in log order.
		j := i
		for j < len(events) && !strings.HasPrefix(events[j].Type, reference.EventPrefix) {
			j++
		}
		results, err := p.extractAll(events[i:j])
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			if !r.ok {
				continue
			}
			f, void := r.fact, r.void
			// A name counts even when its statement is voided, like the
			// LRS's canonical definitions.
			names = append(names, f.CourseNames...)
			f.CourseNames = nil
			if _, dup := inBatch[f.StatementID]; dup {
				continue
			}
			if p.voided[f.StatementID] && f.Verb != VerbVoided {
				continue // voided before it arrived
			}
			if void != nil {
				p.voiding[f.StatementID] = true
				if !p.voiding[void.Target] && !p.voided[void.Target] {
					p.voided[void.Target] = true
					if k, ok := inBatch[void.Target]; ok {
						// The target is in this very batch: never write it.
						b.Facts[k].StatementID = ""
					}
					// Recorded even when the sink does not hold the
					// target (yet): a target that arrives later is
					// then skipped.
					b.Voids = append(b.Voids, *void)
				}
			}
			inBatch[f.StatementID] = len(b.Facts)
			b.Facts = append(b.Facts, f)
		}
		i = j
	}
	kept := b.Facts[:0]
	for _, f := range b.Facts {
		if f.StatementID != "" {
			kept = append(kept, f)
		}
	}
	b.Facts = kept
	b.CourseNames = latestNames(names)
	if refChanged {
		b.Dims = DimsFrom(p.ref)
	}
	return b, nil
}

// Reset implements projections.Resetter.
func (p *Projection) Reset(ctx context.Context) error {
	p.mu.Lock()
	_ = p.wait()
	p.loaded = false
	p.mu.Unlock()
	return p.sink.Reset(ctx)
}

// replayReference folds the reference-data events up to pos (inclusive):
// the projection then resumes with the reference data as they were at its
// checkpoint, so a statement is always attributed with the learner
// directory of its place in the log, however often the projection restarts.
func (p *Projection) replayReference(ctx context.Context, pos eventstore.Position) error {
	from := uint64(0)
	const page = 256
	for {
		evs, err := p.refs.ReadStream(ctx, reference.Stream, eventstore.ReadStreamOptions{From: from, Max: page})
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("analytics: read reference data: %w", err)
		}
		for i := range evs {
			if evs[i].Position.Compare(pos) > 0 {
				return nil
			}
			if err := p.ref.Apply(&evs[i]); err != nil {
				return err
			}
		}
		if len(evs) < page {
			return nil
		}
		from = evs[len(evs)-1].Revision + 1
	}
}

type extracted struct {
	fact Fact
	void *Void
	ok   bool // a statement event
}

// extractAll flattens the statement events of evs on every CPU, keeping
// their order. The reference data must not change meanwhile.
func (p *Projection) extractAll(evs []eventstore.RecordedEvent) ([]extracted, error) {
	out := make([]extracted, len(evs))
	p.ref.Learner("", "") // build the directory index before sharing it
	workers := min(runtime.GOMAXPROCS(0), max(1, len(evs)/256))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	chunk := (len(evs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(evs))
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if evs[i].Type != lrs.EventStatementStored {
					continue
				}
				f, void, err := extract(&evs[i], p.ps, p.ref.Learner)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = extracted{fact: f, void: void, ok: true}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
