package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// Store is the part of the event store Load uses.
type Store interface {
	eventstore.Appender
	eventstore.StreamReader
}

// LoadOptions tune Load.
type LoadOptions struct {
	// Force appends every given kind even when its content equals what is
	// loaded already.
	Force bool
	// Tool is recorded in the events' metadata (e.g. "hocvu reference load").
	Tool string
	// Keys, when not nil, seals the learner directory (sealed.go): the
	// learners are written as reference.learners.sealed.v1, each account
	// replaced by its subject and sealed under its person's key. Nil:
	// the directory is written in clear (reference.learners.set.v1).
	Keys Keys
	// Erased, with Keys, reports the subjects of people erased: their
	// entries keep their codes but not their accounts.
	Erased func(subject string) bool
}

// Summary says what a load did.
type Summary struct {
	Kinds []KindSummary
	// Events is the number of events appended (0 when nothing changed).
	Events int
	// Revision is the stream's last revision after the load.
	Revision uint64
	Position eventstore.Position
}

// KindSummary is one kind of a load.
type KindSummary struct {
	Kind      Kind
	Rows      int
	Events    int
	Unchanged bool // equal to the loaded content: nothing appended
	Source    string
}

func (s Summary) String() string {
	var b strings.Builder
	for _, k := range s.Kinds {
		state := fmt.Sprintf("%d event(s)", k.Events)
		if k.Unchanged {
			state = "unchanged"
		}
		fmt.Fprintf(&b, "%-12s %8d rows  %s", k.Kind, k.Rows, state)
		if k.Source != "" {
			fmt.Fprintf(&b, "  (%s)", k.Source)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// loadNamespace derives deterministic event ids, so that retrying an
// append whose acknowledgement was lost is an idempotent no-op.
var loadNamespace = uuid.MustParse("7d3f1a6e-2b8c-4e51-9a0d-5c6b7e8f9012")

const maxLoadAttempts = 5

// Load validates d against the reference data already in the stream and
// appends one set per given kind whose content changed, all in one atomic
// append at the stream's exact revision. If another writer appended in
// between, it reads the stream again and decides again (up to 5 times).
// Invalid data returns [Problems] (errors.Is(err, ErrInvalid)) and appends
// nothing. With opts.Keys the learner directory is sealed; the accounts
// are sealed (and new people's keys made) only when the directory changed.
func Load(ctx context.Context, s Store, d *Data, opts LoadOptions) (Summary, error) {
	if len(d.Kinds()) == 0 {
		return Summary{}, errors.New("reference: nothing to load")
	}
	written, accts, err := pseudonymized(d, opts.Keys)
	if err != nil {
		return Summary{}, err
	}
	for attempt := 1; ; attempt++ {
		st, err := Replay(ctx, s)
		if err != nil {
			return Summary{}, err
		}
		if ps := d.Validate(st); len(ps) > 0 {
			return Summary{}, ps
		}
		if accts != nil && changed(written, st, KindLearners, opts) {
			if err := sealAccounts(ctx, opts.Keys, written.Learners, accts, opts.Erased); err != nil {
				return Summary{}, err
			}
			accts = nil // sealed once, whatever the attempts
		}
		events, sum, err := plan(written, st, opts)
		if err != nil {
			return Summary{}, err
		}
		rev, exists := st.Revision()
		sum.Revision, sum.Position = rev, st.Position()
		if len(events) == 0 {
			return sum, nil
		}
		expected := eventstore.NoStream
		if exists {
			expected = eventstore.Exact(rev)
		}
		res, err := s.Append(ctx, Stream, expected, events...)
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) && attempt < maxLoadAttempts {
			continue
		}
		if err != nil {
			return Summary{}, fmt.Errorf("reference: append to %s: %w", Stream, err)
		}
		sum.Events, sum.Revision, sum.Position = len(events), res.NextExpectedRevision, res.Position
		return sum, nil
	}
}

// plan builds the events of a load against state st.
func plan(d *Data, st *State, opts LoadOptions) ([]eventstore.EventData, Summary, error) {
	var sum Summary
	rev, exists := st.Revision()
	at := "none"
	if exists {
		at = fmt.Sprint(rev)
	}
	hashes := map[Kind]string{}
	var all strings.Builder
	for _, k := range d.Kinds() {
		hashes[k] = ContentHash(d, k)
		all.WriteString(string(k) + "=" + hashes[k] + ";")
	}
	load := uuid.NewSHA1(loadNamespace, []byte("load|"+at+"|"+all.String())).String()
	var events []eventstore.EventData
	for _, k := range d.Kinds() {
		ks := KindSummary{Kind: k, Rows: d.Len(k), Source: d.Source(k)}
		if !changedHash(hashes[k], st, k, opts) {
			ks.Unchanged = true
			sum.Kinds = append(sum.Kinds, ks)
			continue
		}
		parts, err := encodeParts(d, k, load)
		if err != nil {
			return nil, sum, fmt.Errorf("reference: encode %s: %w", k, err)
		}
		meta, err := json.Marshal(SetMeta{Source: d.Source(k), Rows: d.Len(k), SHA256: hashes[k], Tool: opts.Tool})
		if err != nil {
			return nil, sum, err
		}
		for p, data := range parts {
			id := uuid.NewSHA1(loadNamespace, fmt.Appendf(nil, "event|%s|%s|%d", load, k, p))
			events = append(events, eventstore.EventData{ID: id, Type: setType(d, k), Data: data, Metadata: meta})
		}
		ks.Events = len(parts)
		sum.Kinds = append(sum.Kinds, ks)
	}
	return events, sum, nil
}

// pseudonymized returns what a load of d appends: d itself, or with ks a
// copy of d whose learners are known by their subjects (their accounts to
// seal in accts, by index; nil when d has no learners).
func pseudonymized(d *Data, ks Keys) (*Data, []account, error) {
	switch {
	case !d.Has(KindLearners):
		return d, nil, nil
	case ks != nil:
		dd := *d
		var accts []account
		dd.Learners, accts = pseudonymize(ks, d.Learners)
		return &dd, accts, nil
	case isSealed(d.Learners):
		return nil, nil, ErrSealed
	}
	return d, nil, nil
}

// changed reports whether kind k of d is to be appended against st.
func changed(d *Data, st *State, k Kind, opts LoadOptions) bool {
	return changedHash(ContentHash(d, k), st, k, opts)
}

func changedHash(hash string, st *State, k Kind, opts LoadOptions) bool {
	info, ok := st.Info(k)
	return !ok || info.SHA256 != hash || opts.Force
}

// setType is the type of the set events of kind k of d.
func setType(d *Data, k Kind) string {
	if k == KindLearners && isSealed(d.Learners) {
		return EventLearnersSealed
	}
	return EventType(k)
}

// Events returns the events that load d into an empty reference-data
// stream (one set per kind of d), as Load would append them. For tests and
// tools that build a log without a store.
func Events(d *Data) ([]eventstore.EventData, error) {
	events, _, err := plan(d, NewState(), LoadOptions{Tool: "reference.Events"})
	return events, err
}

// SealedEvents is [Events] with the learner directory sealed with ks, as
// Load with LoadOptions.Keys appends it.
func SealedEvents(ctx context.Context, d *Data, ks Keys) ([]eventstore.EventData, error) {
	written, accts, err := pseudonymized(d, ks)
	if err != nil {
		return nil, err
	}
	if accts != nil {
		if err := sealAccounts(ctx, ks, written.Learners, accts, nil); err != nil {
			return nil, err
		}
	}
	events, _, err := plan(written, NewState(), LoadOptions{Tool: "reference.SealedEvents", Keys: ks})
	return events, err
}
