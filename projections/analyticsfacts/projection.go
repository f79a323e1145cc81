package analyticsfacts

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
)

// Projection writes statement events into a sink as facts, and the
// reference data into its dimension tables.
type Projection struct {
	sink analytics.Sink
	ps   *analytics.Pseudonymizer
	refs eventstore.StreamReader // nil: reference data only from the events applied
	ref  *reference.State
	// sealedDir indexes a directory in clear by subject (directory.go).
	sealedDir clearBySubject
	// refErrs are the reference events that did not apply when the
	// stream was folded at start (replayReference): poison, quarantined
	// when the projection meets them in the log.
	refErrs map[eventstore.Position]error
	// fallbacks counts the facts whose timestamp took the fallback
	// (TimestampFallbacks).
	fallbacks atomic.Uint64

	mu      sync.Mutex
	voided  map[string]bool // statements voided so far
	voiding map[string]bool // voiding statements
	// learners are the attributions of the latest learner directory, which
	// the sink's facts carry (stored with Batch.Learners).
	learners map[uint64]analytics.Attribution
	loaded   bool
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
func NewProjection(sink analytics.Sink, ps *analytics.Pseudonymizer, refs eventstore.StreamReader) *Projection {
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
	p.sealedDir = clearBySubject{}
	stored, err := p.sink.Learners(ctx)
	if err != nil {
		return pos, err
	}
	p.learners = make(map[uint64]analytics.Attribution, len(stored))
	for _, a := range stored {
		p.learners[a.ActorID] = a
	}
	if p.refs != nil {
		if err := p.replayReference(ctx); err != nil {
			return pos, err
		}
		b := &analytics.Batch{Dims: DimsFrom(p.ref), Through: pos}
		// The directory may have changed since the sink's facts were
		// attributed (a load the projection had not reached when it
		// stopped): attribute them again.
		p.reattribute(b)
		if err := p.sink.Write(ctx, b); err != nil {
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
// is held. A reference event is folded where it stands (foldReference);
// a run of statement events is extracted in parallel (with the reference
// data as of the run), then taken in log order (take); finish drops what
// the batch voided itself and adds the dimensions and learners that
// changed.
func (p *Projection) prepare(events []eventstore.RecordedEvent, through eventstore.Position) (*analytics.Batch, error) {
	if !p.loaded {
		return nil, fmt.Errorf("analytics: Apply before Checkpoint")
	}
	pb := &preparing{
		p:       p,
		b:       &analytics.Batch{Through: through, Facts: make([]analytics.Fact, 0, len(events))},
		inBatch: map[string]int{},
	}
	for i := 0; i < len(events); {
		if isReference(&events[i]) {
			if err := pb.foldReference(&events[i]); err != nil {
				return nil, err
			}
			i++
			continue
		}
		j := i
		for j < len(events) && !isReference(&events[j]) {
			j++
		}
		results, err := p.extractAll(events[i:j])
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			if r.ok {
				pb.take(r.fact, r.void)
			}
		}
		i = j
	}
	return pb.finish(), nil
}

func isReference(ev *eventstore.RecordedEvent) bool {
	return strings.HasPrefix(ev.Type, reference.EventPrefix)
}

// preparing is one prepare under way: the batch and what it has met.
type preparing struct {
	p       *Projection
	b       *analytics.Batch
	inBatch map[string]int // statement id -> index in b.Facts
	// refChanged and dirChanged: a reference event, a learner directory
	// event, applied.
	refChanged, dirChanged bool
	names                  []analytics.CourseName
}

// foldReference applies a reference event the projection has not folded
// yet; an event that did not apply (now, or when Checkpoint folded the
// whole stream) is poison.
func (pb *preparing) foldReference(ev *eventstore.RecordedEvent) error {
	p := pb.p
	if _, loaded := p.ref.Revision(); !loaded || ev.Position.Compare(p.ref.Position()) > 0 {
		p.sealedDir.built = false
		if err := p.ref.Apply(ev); err != nil {
			return projections.Poison(ev, err)
		}
		pb.refChanged = true
		pb.dirChanged = pb.dirChanged || ev.Type == reference.EventLearnersSet || ev.Type == reference.EventLearnersSealed
	} else if err, ok := p.refErrs[ev.Position]; ok {
		// Folded already by Checkpoint, which reads the whole
		// stream, and it did not apply there.
		return projections.Poison(ev, err)
	} // else folded already by Checkpoint
	return nil
}

// take adds one extracted statement to the batch, in log order: its
// course names always, the fact unless it repeats one of the batch or was
// voided before it arrived, and its void (with the voiding memory) when
// it voids a statement not voided yet.
func (pb *preparing) take(f analytics.Fact, void *analytics.Void) {
	p, b := pb.p, pb.b
	// A name counts even when its statement is voided, like the
	// LRS's canonical definitions.
	pb.names = append(pb.names, f.CourseNames...)
	f.CourseNames = nil
	if _, dup := pb.inBatch[f.StatementID]; dup {
		return
	}
	if p.voided[f.StatementID] && f.Verb != analytics.VerbVoided {
		return // voided before it arrived
	}
	if void != nil {
		p.voiding[f.StatementID] = true
		if !p.voiding[void.Target] && !p.voided[void.Target] {
			p.voided[void.Target] = true
			if k, ok := pb.inBatch[void.Target]; ok {
				// The target is in this very batch: never write it.
				b.Facts[k].StatementID = ""
			}
			// Recorded even when the sink does not hold the
			// target (yet): a target that arrives later is
			// then skipped.
			b.Voids = append(b.Voids, *void)
		}
	}
	pb.inBatch[f.StatementID] = len(b.Facts)
	b.Facts = append(b.Facts, f)
}

// finish drops the facts the batch itself voided and adds the latest
// course names, the dimensions when the reference data changed and the
// learners to attribute again when the directory did.
func (pb *preparing) finish() *analytics.Batch {
	b := pb.b
	kept := b.Facts[:0]
	for _, f := range b.Facts {
		if f.StatementID != "" {
			kept = append(kept, f)
		}
	}
	b.Facts = kept
	b.CourseNames = analytics.LatestNames(pb.names)
	if pb.refChanged {
		b.Dims = DimsFrom(pb.p.ref)
	}
	if pb.dirChanged {
		pb.p.reattribute(b)
	}
	return b
}

// reattribute adds to b the learners whose attribution changed since the
// directory the sink's facts carry (p.learners) and the latest directory
// to store, and makes the latest directory p.learners. p.mu is held (or
// the projection is not running yet).
func (p *Projection) reattribute(b *analytics.Batch) {
	latest := attributions(p.ref, p.ps)
	changed := changedAttributions(p.learners, latest)
	if len(changed) == 0 {
		return
	}
	b.Reattribute = changed
	b.Learners, b.SetLearners = sortedAttributions(latest), true
	p.learners = latest
}

// Reset implements projections.Resetter.
func (p *Projection) Reset(ctx context.Context) error {
	p.mu.Lock()
	_ = p.wait()
	p.loaded = false
	p.learners = nil
	p.mu.Unlock()
	return p.sink.Reset(ctx)
}

// replayReference folds the whole reference-data stream, up to its latest
// event, so that the projection attributes every statement it writes from
// now on with the latest learner directory, and writes the latest
// dimension tables, whatever its checkpoint. A rebuild (which starts at the
// beginning of the log) therefore attributes every statement with the
// latest directory at once, without attributing anything twice; a
// directory the projection meets later, live, attributes the facts
// already written again (Batch.Reattribute). Reference events the
// projection meets later in the log are skipped when already folded here.
func (p *Projection) replayReference(ctx context.Context) error {
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
			// An event that does not apply is poison: skipped here, else
			// every restart would stop at it, and reported when the
			// projection meets it in the log (prepare), where the runner
			// quarantines it.
			p.sealedDir.built = false
			if err := p.ref.Apply(&evs[i]); err != nil {
				if p.refErrs == nil {
					p.refErrs = map[eventstore.Position]error{}
				}
				p.refErrs[evs[i].Position] = err
			}
		}
		if len(evs) < page {
			return nil
		}
		from = evs[len(evs)-1].Revision + 1
	}
}

type extracted struct {
	fact analytics.Fact
	void *analytics.Void
	ok   bool // a statement event
}

// extractAll flattens the statement events of evs on every CPU, keeping
// their order. The reference data must not change meanwhile.
func (p *Projection) extractAll(evs []eventstore.RecordedEvent) ([]extracted, error) {
	out := make([]extracted, len(evs))
	p.prepareDirectory() // build the directory indexes before sharing them
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
			i := lo
			// A panic here would end the process: it becomes the poison
			// of the event that caused it.
			defer func() {
				if v := recover(); v != nil {
					errs[w] = projections.Poison(&evs[i], fmt.Errorf("extracting the fact panicked: %v", v))
				}
			}()
			for ; i < hi; i++ {
				if !lrs.IsStatementEvent(evs[i].Type) {
					continue
				}
				f, void, err := extract(&evs[i], p.ps, p.learner)
				if err != nil {
					// Extraction has no I/O: it fails the same way every time.
					errs[w] = projections.Poison(&evs[i], err)
					return
				}
				if f.TimestampFallback {
					p.fallbacks.Add(1)
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
