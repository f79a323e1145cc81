package lrs

import (
	"fmt"
	"strconv"
)

// ProfileChecker checks statements against an xAPI Profile the deployment
// requires (the campaign's: campaign/xapiprofile.Checker). It gets each
// statement as its sender wrote it, decoded and already valid xAPI, before
// the LRS sets id, authority or version, and returns every problem found
// with the Template and the Rule it broke and the Location (a JSONPath)
// in the statement; none means the statement follows the profile. It
// must not keep or change the statement and must be safe for concurrent
// use.
type ProfileChecker interface {
	CheckStatement(statement map[string]any) []Problem
}

// checkProfile refuses the whole request when one of its statements does
// not follow the profile: KindInvalid (400) with every problem, each Path
// the statement's place in the body ("/2" in an array, "" for a single
// statement).
func (svc *StatementService) checkProfile(op string, list []map[string]any, array bool) error {
	if svc.profile == nil {
		return nil
	}
	var all []Problem
	for i, st := range list {
		path := ""
		if array {
			path = "/" + strconv.Itoa(i)
		}
		for _, p := range svc.profile.CheckStatement(st) {
			p.Path = path
			all = append(all, p)
		}
	}
	if len(all) == 0 {
		return nil
	}
	p := all[0]
	where := "the statement"
	if p.Path != "" {
		where = "statement " + p.Path
	}
	tmpl := "the profile"
	if p.Template != "" {
		tmpl = "profile template " + p.Template
	}
	return &Error{Kind: KindInvalid, Op: op, Problems: all,
		Msg: fmt.Sprintf("%s does not follow %s: %s: %s (rule %s)", where, tmpl, p.Location, p.Message, p.Rule)}
}
