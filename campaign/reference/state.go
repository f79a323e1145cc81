package reference

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hocvu/hocvu/eventstore"
)

// State is the current reference data, folded from the events of
// [Stream]. The zero value is not usable; use [NewState] or [Replay].
// A State is not safe for concurrent use.
type State struct {
	data Data
	info map[Kind]KindInfo

	communeIdx map[string]int
	learnerIdx map[string]int // accounts in clear
	subjectIdx map[string]int // sealed entries, by subject

	pending     map[Kind][][]byte // raw parts of a set in progress
	pendingLoad map[Kind]string

	revision uint64
	exists   bool
	position eventstore.Position

	skipped []error // events Replay skipped
}

// KindInfo says when and from where a kind was last set.
type KindInfo struct {
	Rows     int
	Source   string
	SHA256   string
	Loaded   time.Time // when the store recorded the set
	Load     string    // the load id
	Position eventstore.Position
}

// NewState returns an empty state (nothing loaded).
func NewState() *State {
	return &State{info: map[Kind]KindInfo{}, pending: map[Kind][][]byte{}, pendingLoad: map[Kind]string{}}
}

// replayPage is how many reference-data events Replay reads at a time
// (a set part holds up to MaxRowsPerEvent rows).
const replayPage = 256

// Replay reads the whole reference-data stream and folds it. An event
// that does not apply (it reached the log below [Load]'s checks) is
// skipped, as the analytics projection skips and quarantines it, and is
// listed by [State.Skipped]: one such event must not keep every later
// load, and every command that reads the reference data, from working.
// Replay is an [eventstore.Fold] with the registries' poison-event
// policy; it has no logger, so the caller logs what Skipped lists.
func Replay(ctx context.Context, r eventstore.StreamReader) (*State, error) {
	s := NewState()
	f := eventstore.NewFold(Stream, s.Apply, eventstore.FoldOptions{Page: replayPage,
		OnSkip: func(_ *eventstore.RecordedEvent, err error) { s.skipped = append(s.skipped, err) }})
	if err := f.Load(ctx, r); err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	return s, nil
}

// Apply folds one event of the reference-data stream. Event types it
// does not know (written by a newer version) are skipped, so a projection
// never stops on them. A kind changes only when the last part of its set
// has been applied.
func (s *State) Apply(ev *eventstore.RecordedEvent) error {
	if ev.Stream == Stream {
		s.revision, s.exists, s.position = ev.Revision, true, ev.Position
	}
	k, ok := KindOf(ev.Type)
	if !ok {
		return nil
	}
	var h SetHeader
	if err := json.Unmarshal(ev.Data, &h); err != nil {
		return fmt.Errorf("reference: %s at %s: %w", ev.Type, ev.Position, err)
	}
	if h.Parts < 1 || h.Part < 0 || h.Part >= h.Parts {
		return fmt.Errorf("reference: %s at %s: part %d of %d", ev.Type, ev.Position, h.Part, h.Parts)
	}
	if h.Part == 0 {
		s.pending[k], s.pendingLoad[k] = nil, h.Load
	} else if s.pendingLoad[k] != h.Load || len(s.pending[k]) != h.Part {
		return fmt.Errorf("reference: %s at %s: part %d of load %s without its earlier parts", ev.Type, ev.Position, h.Part, h.Load)
	}
	s.pending[k] = append(s.pending[k], ev.Data)
	if h.Part < h.Parts-1 {
		return nil
	}
	parts := s.pending[k]
	delete(s.pending, k)
	delete(s.pendingLoad, k)
	if err := s.replace(k, parts, ev.Type == EventLearnersSealed); err != nil {
		return fmt.Errorf("reference: %s at %s: %w", ev.Type, ev.Position, err)
	}
	var meta SetMeta
	_ = json.Unmarshal(ev.Metadata, &meta) // metadata is informative only
	s.info[k] = KindInfo{Rows: s.data.Len(k), Source: meta.Source, SHA256: ContentHash(&s.data, k), Loaded: ev.Recorded, Load: h.Load, Position: ev.Position}
	return nil
}

// replace sets kind k to the rows of the parts (of a sealed directory
// when sealed). When a part cannot be decoded it changes nothing: the
// kind keeps its earlier rows.
func (s *State) replace(k Kind, parts [][]byte, sealed bool) error {
	d := &s.data
	var err error
	switch k {
	case KindCommunes:
		var rows []Commune
		var last *CommunesSet
		if rows, last, err = decodeParts(parts, func(v *CommunesSet) []Commune { return v.Communes }); err == nil {
			prov := last.Province
			d.Province, d.Communes, s.communeIdx = &prov, rows, nil
		}
	case KindPopulations:
		var rows []Population
		if rows, _, err = decodeParts(parts, func(v *PopulationsSet) []Population { return v.Populations }); err == nil {
			d.Populations = rows
		}
	case KindTargets:
		var rows []Target
		if rows, _, err = decodeParts(parts, func(v *TargetsSet) []Target { return v.Targets }); err == nil {
			d.Targets = rows
		}
	case KindTeams:
		var rows []Team
		if rows, _, err = decodeParts(parts, func(v *TeamsSet) []Team { return v.Teams }); err == nil {
			d.Teams = rows
		}
	case KindMentors:
		var rows []Mentor
		if rows, _, err = decodeParts(parts, func(v *MentorsSet) []Mentor { return v.Mentors }); err == nil {
			d.Mentors = rows
		}
	case KindLearners:
		var rows []Learner
		if sealed {
			rows, err = decodeSealed(parts)
		} else {
			rows, _, err = decodeParts(parts, func(v *LearnersSet) []Learner { return v.Learners })
		}
		if err == nil {
			d.Learners, s.learnerIdx, s.subjectIdx = rows, nil, nil
		}
	}
	if err != nil {
		return err
	}
	d.markGiven(k, "")
	return nil
}

// decodeSealed decodes the parts of a sealed directory. An entry without
// its subject does not apply.
func decodeSealed(parts [][]byte) ([]Learner, error) {
	rows, _, err := decodeParts(parts, func(v *SealedLearnersSet) []SealedLearner { return v.Learners })
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if r.Subject == "" {
			return nil, fmt.Errorf("sealed learner %d has no subject", i)
		}
	}
	return fromSealed(rows), nil
}

// decodeParts decodes every part of a set and returns their rows in
// order, and the last part.
func decodeParts[S, T any](parts [][]byte, rows func(*S) []T) ([]T, *S, error) {
	out, last := []T{}, new(S)
	for _, p := range parts {
		v := new(S)
		if err := json.Unmarshal(p, v); err != nil {
			return nil, nil, err
		}
		out, last = append(out, rows(v)...), v
	}
	return out, last, nil
}

// Skipped returns why each event that [Replay] skipped did not apply.
func (s *State) Skipped() []error { return s.skipped }

// Revision returns the revision of the last event applied from the
// stream, and false when the stream has no events.
func (s *State) Revision() (uint64, bool) { return s.revision, s.exists }

// Position is the global position of the last event applied.
func (s *State) Position() eventstore.Position { return s.position }

// Info returns what is known about the last set of kind k; false when the
// kind was never loaded.
func (s *State) Info(k Kind) (KindInfo, bool) {
	i, ok := s.info[k]
	return i, ok
}

// Data returns a copy of the current data with every loaded kind present.
// The copy shares no slices with the state.
func (s *State) Data() *Data {
	d := &Data{}
	for _, k := range Kinds {
		if _, ok := s.info[k]; ok {
			d.markGiven(k, "")
		}
	}
	if s.data.Province != nil {
		p := *s.data.Province
		d.Province = &p
	}
	d.Communes = cloneRows(s.data.Communes)
	d.Populations = cloneRows(s.data.Populations)
	d.Targets = cloneRows(s.data.Targets)
	d.Teams = cloneRows(s.data.Teams)
	d.Mentors = cloneRows(s.data.Mentors)
	d.Learners = cloneRows(s.data.Learners)
	return d
}

func cloneRows[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// Province returns the province, nil when no communes were loaded.
func (s *State) Province() *Province { return s.data.Province }

// Communes returns the communes (do not modify).
func (s *State) Communes() []Commune { return s.data.Communes }

// Populations returns the populations (do not modify).
func (s *State) Populations() []Population { return s.data.Populations }

// Targets returns the targets (do not modify).
func (s *State) Targets() []Target { return s.data.Targets }

// Teams returns the teams (do not modify).
func (s *State) Teams() []Team { return s.data.Teams }

// Mentors returns the mentors (do not modify).
func (s *State) Mentors() []Mentor { return s.data.Mentors }

// Learners returns the learner directory (do not modify).
func (s *State) Learners() []Learner { return s.data.Learners }

// Commune looks a commune up by code.
func (s *State) Commune(code string) (Commune, bool) {
	if s.communeIdx == nil {
		s.communeIdx = make(map[string]int, len(s.data.Communes))
		for i, c := range s.data.Communes {
			s.communeIdx[c.Code] = i
		}
	}
	i, ok := s.communeIdx[code]
	if !ok {
		return Commune{}, false
	}
	return s.data.Communes[i], true
}

// Learner looks an account up in the learner directory, when the
// directory holds it in clear (see [State.LearnerBySubject] for a sealed
// one). It builds the index on first use: call it once before sharing the
// state between readers.
func (s *State) Learner(homePage, name string) (Learner, bool) {
	if s.learnerIdx == nil {
		s.learnerIdx = make(map[string]int, len(s.data.Learners))
		for i, l := range s.data.Learners {
			if !l.IsSealed() {
				s.learnerIdx[l.Key()] = i
			}
		}
	}
	i, ok := s.learnerIdx[AccountKey(homePage, name)]
	if !ok {
		return Learner{}, false
	}
	return s.data.Learners[i], true
}

// LearnerBySubject looks an entry of a sealed directory up by its
// subject (the keyed hash of the account, the subject of the person's
// sealed statements). It builds the index on first use, like
// [State.Learner].
func (s *State) LearnerBySubject(subject string) (Learner, bool) {
	if s.subjectIdx == nil {
		s.subjectIdx = make(map[string]int)
		for i, l := range s.data.Learners {
			if l.IsSealed() {
				s.subjectIdx[l.Subject] = i
			}
		}
	}
	i, ok := s.subjectIdx[subject]
	if !ok {
		return Learner{}, false
	}
	return s.data.Learners[i], true
}
