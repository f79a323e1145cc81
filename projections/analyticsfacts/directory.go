package analyticsfacts

import (
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// sealedDirectory indexes the learner directory by the key a sealed actor
// has (the pseudonymizer's AgentKey of the learner's account), for the
// directory it was built from.
type sealedDirectory struct {
	built bool // false once the directory changes
	idx   map[string]int
}

// prepareDirectory builds the indexes the lookups of a batch need. Call it
// before extracting in parallel: the lookups only read.
func (p *Projection) prepareDirectory() {
	p.ref.Learner("", "") // builds the account index
	if !p.ps.MapsAgentKeys() {
		return
	}
	if p.sealedDir.built {
		return
	}
	learners := p.ref.Learners()
	idx := make(map[string]int, len(learners))
	for i, l := range learners {
		if k, ok := xapi.IFIKey("", "", "", l.HomePage, l.Name); ok {
			idx[p.ps.AgentKey(k)] = i
		}
	}
	p.sealedDir = sealedDirectory{built: true, idx: idx}
}

// learner is the Directory of the projection: an actor in clear is looked
// up by account, a sealed one by its subject. prepareDirectory must have
// run since the directory last changed.
func (p *Projection) learner(actor *xapi.Agent) (reference.Learner, bool) {
	if actor.Sealed == nil {
		if actor.Account == nil {
			return reference.Learner{}, false
		}
		return p.ref.Learner(actor.Account.HomePage, actor.Account.Name)
	}
	k, ok := actor.Key()
	if !ok || p.sealedDir.idx == nil {
		return reference.Learner{}, false
	}
	i, ok := p.sealedDir.idx[k]
	if !ok {
		return reference.Learner{}, false
	}
	return p.ref.Learners()[i], true
}
