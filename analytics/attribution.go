package analytics

import (
	"slices"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// Attribution is what the learner directory says of one learner, as the
// analytics keep it: the learner and the household as pseudonyms, the
// rest as codes. It has no account name, so a sink may store it.
type Attribution struct {
	ActorID     uint64
	Commune     string
	Group       string
	HouseholdID uint64
	Mentor      string
	Team        string
	Subgroups   []string
}

// The attribution rule (docs/analytics.md): a statement that lacks the
// commune or the target-group extension takes, for each campaign
// extension it lacks, the value of its actor's entry in the latest
// learner directory. "Lacks" means the extension is absent from the
// fact's ExtKeys (a campaign extension with an empty value is left out of
// ExtKeys). When the directory changes, the facts already written are
// attributed again: a sink replaces those fields of the changed learners'
// open facts (OpenToDirectory) with the new entry's (empty when the
// learner left the directory).

// DirectoryKeys are the campaign extensions the learner directory fills,
// in the order of Attribution's fields.
var DirectoryKeys = struct{ Commune, Group, Household, Mentor, Team, Subgroups string }{
	vocab.ExtCommune, vocab.ExtTargetGroup, vocab.ExtHousehold, vocab.ExtMentor, vocab.ExtTeam, vocab.ExtSubgroups,
}

// OpenToDirectory reports whether the learner directory attributes a fact
// with these extension keys: when it lacks the commune or the group.
func OpenToDirectory(extKeys []string) bool {
	return !slices.Contains(extKeys, vocab.ExtCommune) || !slices.Contains(extKeys, vocab.ExtTargetGroup)
}

// attributions pseudonymizes the learner directory of st, by actor.
func attributions(st *reference.State, ps *Pseudonymizer) map[uint64]Attribution {
	out := make(map[uint64]Attribution, len(st.Learners()))
	for _, l := range st.Learners() {
		k, ok := xapi.IFIKey("", "", "", l.HomePage, l.Name)
		if !ok {
			continue
		}
		a := Attribution{ActorID: ps.ID("agent", k), Commune: l.Commune, Group: l.Group, Mentor: l.Mentor, Team: l.Team, Subgroups: l.Subgroups}
		if l.Household != "" {
			a.HouseholdID = ps.ID("household", l.Household)
		}
		out[a.ActorID] = a
	}
	return out
}

// changedAttributions lists, by actor id, the learners whose entry differs
// between old and new: with the new entry, or an empty one (only the
// actor id) when the learner left the directory.
func changedAttributions(old, new map[uint64]Attribution) []Attribution {
	var out []Attribution
	for id, a := range new {
		if o, ok := old[id]; !ok || !o.equal(a) {
			out = append(out, a)
		}
	}
	for id := range old {
		if _, ok := new[id]; !ok {
			out = append(out, Attribution{ActorID: id})
		}
	}
	slices.SortFunc(out, byActor)
	return out
}

func byActor(a, b Attribution) int {
	switch {
	case a.ActorID < b.ActorID:
		return -1
	case a.ActorID > b.ActorID:
		return 1
	}
	return 0
}

func (a Attribution) equal(b Attribution) bool {
	return a.ActorID == b.ActorID && a.Commune == b.Commune && a.Group == b.Group && a.HouseholdID == b.HouseholdID &&
		a.Mentor == b.Mentor && a.Team == b.Team && slices.Equal(a.Subgroups, b.Subgroups)
}

// sortedAttributions lists m by actor id.
func sortedAttributions(m map[uint64]Attribution) []Attribution {
	out := make([]Attribution, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, byActor)
	return out
}
