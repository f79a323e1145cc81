package analyticsfacts

import (
	"slices"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// attributions pseudonymizes the learner directory of st, by actor.
func attributions(st *reference.State, ps *analytics.Pseudonymizer) map[uint64]analytics.Attribution {
	out := make(map[uint64]analytics.Attribution, len(st.Learners()))
	for _, l := range st.Learners() {
		k, ok := learnerKey(l)
		if !ok {
			continue
		}
		a := analytics.Attribution{ActorID: ps.Agent(k), Commune: l.Commune, Group: l.Group, Mentor: l.Mentor, Team: l.Team, Subgroups: l.Subgroups}
		if l.Household != "" {
			a.HouseholdID = ps.ID("household", l.Household)
		}
		out[a.ActorID] = a
	}
	return out
}

// learnerKey is the agent key of a directory entry: its account's, or
// the subject key of a sealed entry (the key the person's sealed
// statements have, which the pseudonymizer maps an account to when
// sealing is on). A sealed entry whose account was erased keeps its
// subject, so its attribution, and every count, stays.
func learnerKey(l reference.Learner) (string, bool) {
	if l.IsSealed() {
		return xapi.SubjectKey(l.Subject), true
	}
	return xapi.IFIKey("", "", "", l.HomePage, l.Name)
}

// changedAttributions lists, by actor id, the learners whose entry differs
// between before and after: with the entry of after, or an empty one
// (only the actor id) when the learner left the directory.
func changedAttributions(before, after map[uint64]analytics.Attribution) []analytics.Attribution {
	var out []analytics.Attribution
	for id, a := range after {
		if o, ok := before[id]; !ok || !equalAttribution(o, a) {
			out = append(out, a)
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			out = append(out, analytics.Attribution{ActorID: id})
		}
	}
	slices.SortFunc(out, byActor)
	return out
}

func byActor(a, b analytics.Attribution) int {
	switch {
	case a.ActorID < b.ActorID:
		return -1
	case a.ActorID > b.ActorID:
		return 1
	}
	return 0
}

func equalAttribution(a, b analytics.Attribution) bool {
	return a.ActorID == b.ActorID && a.Commune == b.Commune && a.Group == b.Group && a.HouseholdID == b.HouseholdID &&
		a.Mentor == b.Mentor && a.Team == b.Team && slices.Equal(a.Subgroups, b.Subgroups)
}

// sortedAttributions lists m by actor id.
func sortedAttributions(m map[uint64]analytics.Attribution) []analytics.Attribution {
	out := make([]analytics.Attribution, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, byActor)
	return out
}
