package analyticsfacts

import (
	"strings"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// clearBySubject indexes the entries in clear of the learner directory by
// the key a sealed actor has (the pseudonymizer's AgentKey of the
// learner's account), for the directory it was built from: a directory
// loaded before sealing was turned on. A sealed directory's entries are
// found by their subject (reference.State.LearnerBySubject) and need no
// such index.
type clearBySubject struct {
	built bool // false once the directory changes
	idx   map[string]int
}

// prepareDirectory builds the indexes the lookups of a batch need. Call it
// before extracting in parallel: the lookups only read.
func (p *Projection) prepareDirectory() {
	p.ref.Learner("", "")      // builds the account index
	p.ref.LearnerBySubject("") // builds the subject index
	if !p.ps.MapsAgentKeys() || p.sealedDir.built {
		return
	}
	learners := p.ref.Learners()
	var idx map[string]int
	for i, l := range learners {
		if l.IsSealed() {
			continue
		}
		if k, ok := xapi.IFIKey("", "", "", l.HomePage, l.Name); ok {
			if idx == nil {
				idx = make(map[string]int, len(learners))
			}
			idx[p.ps.AgentKey(k)] = i
		}
	}
	p.sealedDir = clearBySubject{built: true, idx: idx}
}

// learner is the Directory of the projection. An actor in clear is
// looked up by account, a sealed one by its subject; with sealing on
// (the pseudonymizer maps agent keys) an actor in clear is also found in
// a sealed directory by the subject of its account, and a sealed actor
// in a directory in clear. prepareDirectory must have run since the
// directory last changed.
func (p *Projection) learner(actor *xapi.Agent) (reference.Learner, bool) {
	if actor.Sealed == nil {
		if actor.Account == nil {
			return reference.Learner{}, false
		}
		if l, ok := p.ref.Learner(actor.Account.HomePage, actor.Account.Name); ok || !p.ps.MapsAgentKeys() {
			return l, ok
		}
		k, _ := xapi.IFIKey("", "", "", actor.Account.HomePage, actor.Account.Name)
		return p.bySubjectKey(p.ps.AgentKey(k))
	}
	k, ok := actor.Key()
	if !ok {
		return reference.Learner{}, false
	}
	return p.bySubjectKey(k)
}

// bySubjectKey finds the entry of the person whose agent key is the
// subject key k: a sealed entry by its subject, else an entry in clear
// through the index of prepareDirectory.
func (p *Projection) bySubjectKey(k string) (reference.Learner, bool) {
	subject, ok := strings.CutPrefix(k, xapi.SubjectKey(""))
	if !ok {
		return reference.Learner{}, false
	}
	if l, ok := p.ref.LearnerBySubject(subject); ok {
		return l, true
	}
	i, ok := p.sealedDir.idx[k]
	if !ok {
		return reference.Learner{}, false
	}
	return p.ref.Learners()[i], true
}
