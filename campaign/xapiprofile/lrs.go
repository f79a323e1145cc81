package xapiprofile

import "github.com/hocvu/hocvu/lrs"

var _ lrs.ProfileChecker = (*Checker)(nil)

// CheckStatement is [Checker.Match] for the LRS write (lrs.ProfileChecker,
// behind `hocvu serve --validate-profile`): each misfit becomes a problem
// that names the template (the one the statement was matched with, also
// for an extension value outside the template's rules), the rule and the
// location.
func (c *Checker) CheckStatement(statement map[string]any) []lrs.Problem {
	matched, misfits := c.Match(statement)
	if len(misfits) == 0 {
		return nil
	}
	out := make([]lrs.Problem, len(misfits))
	for i, m := range misfits {
		tmpl := m.Template
		if tmpl == "" {
			tmpl = matched
		}
		out[i] = lrs.Problem{Rule: m.Rule, Message: m.Message, Template: tmpl, Location: m.Location}
	}
	return out
}
