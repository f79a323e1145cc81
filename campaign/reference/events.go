package reference

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Stream is the stream every reference-data event is appended to. One
// stream gives one optimistic-concurrency point: a load is appended at the
// exact revision it validated against.
const Stream = "reference-data"

// EventPrefix selects every reference-data event type.
const EventPrefix = "reference."

// Event types. Stored formats are permanent: a new payload layout gets a
// new version suffix. Each event replaces (part of) one kind as a whole;
// see [SetHeader].
const (
	EventCommunesSet    = "reference.communes.set.v1"
	EventPopulationsSet = "reference.populations.set.v1"
	EventTargetsSet     = "reference.targets.set.v1"
	EventTeamsSet       = "reference.teams.set.v1"
	EventMentorsSet     = "reference.mentors.set.v1"
	EventLearnersSet    = "reference.learners.set.v1"
	// EventLearnersSealed sets the learner directory with every account
	// sealed under its person's key (sealed.go): it replaces the
	// directory as EventLearnersSet does.
	EventLearnersSealed = "reference.learners.sealed.v1"
)

// EventType returns the set event type of kind k.
func EventType(k Kind) string { return EventPrefix + string(k) + ".set.v1" }

// KindOf returns the kind a set event type replaces.
func KindOf(eventType string) (Kind, bool) {
	if eventType == EventLearnersSealed {
		return KindLearners, true
	}
	for _, k := range Kinds {
		if EventType(k) == eventType {
			return k, true
		}
	}
	return "", false
}

// SetHeader starts the data of every set event. A kind's new content is
// split into Parts events (parts of at most [MaxRowsPerEvent] rows), all
// appended in one atomic append with the same Load id; Part counts from
// 0. A consumer replaces the kind when it has applied the last part
// (Part == Parts-1); the content is the rows of all parts in order.
type SetHeader struct {
	Load  string `json:"load"`
	Part  int    `json:"part"`
	Parts int    `json:"parts"`
}

// CommunesSet is the data of reference.communes.set.v1.
type CommunesSet struct {
	SetHeader
	Province Province  `json:"province"`
	Communes []Commune `json:"communes"`
}

// PopulationsSet is the data of reference.populations.set.v1.
type PopulationsSet struct {
	SetHeader
	Populations []Population `json:"populations"`
}

// TargetsSet is the data of reference.targets.set.v1.
type TargetsSet struct {
	SetHeader
	Targets []Target `json:"targets"`
}

// TeamsSet is the data of reference.teams.set.v1.
type TeamsSet struct {
	SetHeader
	Teams []Team `json:"teams"`
}

// MentorsSet is the data of reference.mentors.set.v1.
type MentorsSet struct {
	SetHeader
	Mentors []Mentor `json:"mentors"`
}

// LearnersSet is the data of reference.learners.set.v1.
type LearnersSet struct {
	SetHeader
	Learners []Learner `json:"learners"`
}

// SealedLearnersSet is the data of reference.learners.sealed.v1: the
// learner directory with each account replaced by its subject and sealed
// under its person's key (sealed.go).
type SealedLearnersSet struct {
	SetHeader
	Learners []SealedLearner `json:"learners"`
}

// SetMeta is the metadata of every set event.
type SetMeta struct {
	// Source is the file the kind was read from ("" for built-in data).
	Source string `json:"source,omitempty"`
	// Rows is the number of rows of the whole kind (all parts).
	Rows int `json:"rows"`
	// SHA256 is the hex SHA-256 of the kind's content (see [ContentHash];
	// for a sealed directory, of its pseudonymous form).
	SHA256 string `json:"sha256"`
	// Tool names the writer, e.g. "hocvu reference load".
	Tool string `json:"tool,omitempty"`
}

// MaxRowsPerEvent bounds the rows of one set event, which keeps events
// far below the event store's size limit (a learner row is about 200
// bytes).
const MaxRowsPerEvent = 5000

// ContentHash is the hex SHA-256 of kind k's rows in d, encoded as JSON
// (for communes, the province followed by the communes). Equal hashes mean
// equal content; Load skips kinds whose hash has not changed.
func ContentHash(d *Data, k Kind) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	switch k {
	case KindCommunes:
		_ = enc.Encode(d.Province)
		_ = enc.Encode(nonNil(d.Communes))
	case KindPopulations:
		_ = enc.Encode(nonNil(d.Populations))
	case KindTargets:
		_ = enc.Encode(nonNil(d.Targets))
	case KindTeams:
		_ = enc.Encode(nonNil(d.Teams))
	case KindMentors:
		_ = enc.Encode(nonNil(d.Mentors))
	case KindLearners:
		if isSealed(d.Learners) {
			_ = enc.Encode(pseudonymous(d.Learners))
		} else {
			_ = enc.Encode(nonNil(d.Learners))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// encodeParts renders kind k of d as the data of its set events.
func encodeParts(d *Data, k Kind, load string) ([][]byte, error) {
	n := d.Len(k)
	parts := (n + MaxRowsPerEvent - 1) / MaxRowsPerEvent
	if parts == 0 {
		parts = 1 // an empty kind is one event with no rows
	}
	out := make([][]byte, 0, parts)
	for p := 0; p < parts; p++ {
		lo, hi := p*MaxRowsPerEvent, min((p+1)*MaxRowsPerEvent, n)
		h := SetHeader{Load: load, Part: p, Parts: parts}
		var v any
		switch k {
		case KindCommunes:
			prov := Province{}
			if d.Province != nil {
				prov = *d.Province
			}
			v = CommunesSet{h, prov, nonNil(d.Communes[lo:hi])}
		case KindPopulations:
			v = PopulationsSet{h, nonNil(d.Populations[lo:hi])}
		case KindTargets:
			v = TargetsSet{h, nonNil(d.Targets[lo:hi])}
		case KindTeams:
			v = TeamsSet{h, nonNil(d.Teams[lo:hi])}
		case KindMentors:
			v = MentorsSet{h, nonNil(d.Mentors[lo:hi])}
		case KindLearners:
			if isSealed(d.Learners) {
				v = SealedLearnersSet{h, sealedRows(d.Learners[lo:hi])}
			} else {
				v = LearnersSet{h, nonNil(d.Learners[lo:hi])}
			}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
