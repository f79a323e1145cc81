package analytics

import (
	"context"
	"fmt"
	"sync"

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
	// Query runs a named query of the Catalog.
	Query(ctx context.Context, name string, p Params) (*Result, error)
	Close() error
}

// Batch is what the projection hands a sink at a time.
type Batch struct {
	Facts   []Fact
	Voids   []Void
	Through eventstore.Position
}

// Projection writes statement events into a sink as facts.
type Projection struct {
	sink Sink
	ps   *Pseudonymizer

	mu      sync.Mutex
	voided  map[string]bool // statements voided so far
	voiding map[string]bool // voiding statements
	loaded  bool
}

var (
	_ projections.Projection = (*Projection)(nil)
	_ projections.Resetter   = (*Projection)(nil)
)

// NewProjection creates the projection of statements into sink.
func NewProjection(sink Sink, ps *Pseudonymizer) *Projection {
	return &Projection{sink: sink, ps: ps}
}

// Name implements projections.Projection.
func (p *Projection) Name() string { return "analytics-" + p.sink.Engine() }

// Filter implements projections.Projection.
func (p *Projection) Filter() eventstore.Filter {
	return eventstore.Filter{EventTypePrefixes: []string{lrs.EventPrefixStatement}}
}

// Checkpoint implements projections.Projection; it also (re)loads the
// voiding memory from the sink.
func (p *Projection) Checkpoint(ctx context.Context) (eventstore.Position, error) {
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
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded {
		return fmt.Errorf("analytics: Apply before Checkpoint")
	}
	b := &Batch{Through: through, Facts: make([]Fact, 0, len(events))}
	inBatch := map[string]int{} // statement id -> index in b.Facts
	for i := range events {
		ev := &events[i]
		if ev.Type != lrs.EventStatementStored {
			continue
		}
		f, void, err := extract(ev, p.ps)
		if err != nil {
			return err
		}
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
				if j, ok := inBatch[void.Target]; ok {
					// The target is in this very batch: never write it.
					b.Facts[j].StatementID = ""
				}
				// Recorded even when the sink does not hold the target
				// (yet): a target that arrives later is then skipped.
				b.Voids = append(b.Voids, *void)
			}
		}
		inBatch[f.StatementID] = len(b.Facts)
		b.Facts = append(b.Facts, f)
	}
	kept := b.Facts[:0]
	for _, f := range b.Facts {
		if f.StatementID != "" {
			kept = append(kept, f)
		}
	}
	b.Facts = kept
	return p.sink.Write(ctx, b)
}

// Reset implements projections.Resetter.
func (p *Projection) Reset(ctx context.Context) error {
	p.mu.Lock()
	p.loaded = false
	p.mu.Unlock()
	return p.sink.Reset(ctx)
}
