package analytics

import (
	"slices"

	"github.com/hocvu/hocvu/campaign/vocab"
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
