package xapiprofile

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Concept types of the specification.
var conceptTypes = map[string]bool{
	"Verb": true, "ActivityType": true, "AttachmentUsageType": true,
	"ContextExtension": true, "ResultExtension": true, "ActivityExtension": true,
	"StateResource": true, "AgentProfileResource": true, "ActivityProfileResource": true,
	"Activity": true,
}

// Validate checks the profile's structure and returns every problem
// found: required properties, one inScheme that is a version of this
// profile, unique ids, template and pattern references, pattern shapes
// (exactly one kind, sequences and alternates of two or more, no optional
// or zeroOrMore directly inside alternates, no recursion), rule syntax
// (a requirement present, JSONPath compiles, valid presence) and inline
// schemas that are JSON.
func (p *Profile) Validate() []error {
	v := &validation{ids: map[string]string{}, versions: map[string]bool{}, templates: map[string]bool{}, patterns: map[string]Pattern{}}
	v.profile(p)
	for _, c := range p.Concepts {
		v.concept(c)
	}
	for _, t := range p.Templates {
		v.template(t)
	}
	for _, pt := range p.Patterns {
		v.seen(pt.ID, "pattern")
		v.patterns[pt.ID] = pt
	}
	for _, pt := range p.Patterns {
		v.pattern(pt)
	}
	for _, pt := range p.Patterns {
		if cyclic(pt.ID, v.patterns, map[string]bool{}) {
			v.bad("pattern %s refers to itself", pt.ID)
		}
	}
	for _, t := range p.Templates {
		v.statementRefs(t)
	}
	return v.errs
}

// validation is one run of Validate: the problems found so far, in the
// order found, and the ids met so far.
type validation struct {
	errs      []error
	ids       map[string]string  // id -> what it names (concept, template, pattern)
	versions  map[string]bool    // the profile's version ids
	templates map[string]bool    // the template ids
	patterns  map[string]Pattern // the patterns by id
}

func (v *validation) bad(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

// seen records id as naming a what, and reports a missing or repeated id.
func (v *validation) seen(id, what string) {
	if id == "" {
		v.bad("%s without id", what)
		return
	}
	if prev, dup := v.ids[id]; dup {
		v.bad("%s %s: id already used by a %s", what, id, prev)
	}
	v.ids[id] = what
}

// profile checks the profile's own properties and records its versions.
func (v *validation) profile(p *Profile) {
	if p.Type != "Profile" {
		v.bad("type is %q, want Profile", p.Type)
	}
	if p.ID == "" || p.ConformsTo == "" || len(p.PrefLabel) == 0 || len(p.Definition) == 0 {
		v.bad("profile needs id, conformsTo, prefLabel and definition")
	}
	if p.Author.Name == "" || (p.Author.Type != "Organization" && p.Author.Type != "Person") {
		v.bad("author needs a name and type Organization or Person")
	}
	for _, ver := range p.Versions {
		if ver.ID == "" || ver.GeneratedAtTime == "" {
			v.bad("version %q needs id and generatedAtTime", ver.ID)
		}
		v.versions[ver.ID] = true
	}
	if len(v.versions) == 0 {
		v.bad("profile has no versions")
	}
}

// concept checks one concept.
func (v *validation) concept(c Concept) {
	v.seen(c.ID, "concept")
	if !conceptTypes[c.Type] {
		v.bad("concept %s: unknown type %q", c.ID, c.Type)
	}
	if !v.versions[c.InScheme] {
		v.bad("concept %s: inScheme %q is not a version of this profile", c.ID, c.InScheme)
	}
	if c.Type != "Activity" && (len(c.PrefLabel) == 0 || len(c.Definition) == 0) {
		v.bad("concept %s: needs prefLabel and definition", c.ID)
	}
	if c.InlineSchema != "" {
		if c.Schema != "" {
			v.bad("concept %s: use at most one of schema and inlineSchema", c.ID)
		}
		if !json.Valid([]byte(c.InlineSchema)) {
			v.bad("concept %s: inlineSchema is not JSON", c.ID)
		}
	}
	if len(c.RecommendedActivityTypes) > 0 && c.Type != "ActivityExtension" {
		v.bad("concept %s: recommendedActivityTypes is only for ActivityExtension", c.ID)
	}
	if len(c.RecommendedVerbs) > 0 && c.Type != "ContextExtension" && c.Type != "ResultExtension" {
		v.bad("concept %s: recommendedVerbs is only for context and result extensions", c.ID)
	}
}

// template checks one statement template and its rules, and records its
// id.
func (v *validation) template(t Template) {
	v.seen(t.ID, "template")
	v.templates[t.ID] = true
	if t.Type != "StatementTemplate" {
		v.bad("template %s: type %q, want StatementTemplate", t.ID, t.Type)
	}
	if !v.versions[t.InScheme] {
		v.bad("template %s: inScheme %q is not a version of this profile", t.ID, t.InScheme)
	}
	if len(t.PrefLabel) == 0 || len(t.Definition) == 0 {
		v.bad("template %s: needs prefLabel and definition", t.ID)
	}
	if t.ObjectActivityType != "" && len(t.ObjectStatementRefTemplate) > 0 {
		v.bad("template %s: objectActivityType and objectStatementRefTemplate exclude each other", t.ID)
	}
	for i, r := range t.Rules {
		if err := r.validate(); err != nil {
			v.bad("template %s: rule %d: %v", t.ID, i, err)
		}
	}
}

// pattern checks one pattern's properties and shape, once every template
// and pattern id is recorded.
func (v *validation) pattern(pt Pattern) {
	if pt.Type != "Pattern" {
		v.bad("pattern %s: type %q, want Pattern", pt.ID, pt.Type)
	}
	if !v.versions[pt.InScheme] {
		v.bad("pattern %s: inScheme %q is not a version of this profile", pt.ID, pt.InScheme)
	}
	if pt.Primary && (len(pt.PrefLabel) == 0 || len(pt.Definition) == 0) {
		v.bad("pattern %s: a primary pattern needs prefLabel and definition", pt.ID)
	}
	members, kinds := pt.members()
	if kinds != 1 {
		v.bad("pattern %s: has %d of alternates/optional/oneOrMore/sequence/zeroOrMore, want exactly one", pt.ID, kinds)
	}
	if (pt.Sequence != nil && len(pt.Sequence) < 2) || (pt.Alternates != nil && len(pt.Alternates) < 2) {
		v.bad("pattern %s: sequence and alternates need two or more members", pt.ID)
	}
	for _, m := range members {
		if _, ok := v.patterns[m]; !ok && !v.templates[m] {
			v.bad("pattern %s: member %s is neither a template nor a pattern of this profile", pt.ID, m)
		}
	}
	for _, m := range pt.Alternates {
		if inner, ok := v.patterns[m]; ok && (inner.Optional != "" || inner.ZeroOrMore != "") {
			v.bad("pattern %s: optional or zeroOrMore pattern %s directly inside alternates", pt.ID, m)
		}
	}
}

// statementRefs checks that the statement ref templates of t are
// templates of this profile.
func (v *validation) statementRefs(t Template) {
	for _, ref := range slices.Concat(t.ObjectStatementRefTemplate, t.ContextStatementRefTemplate) {
		if !v.templates[ref] {
			v.bad("template %s: statement ref template %s is not in this profile", t.ID, ref)
		}
	}
}

// members returns the pattern's member ids and how many pattern kinds it
// sets.
func (pt Pattern) members() ([]string, int) {
	var m []string
	kinds := 0
	if pt.Alternates != nil {
		kinds++
		m = append(m, pt.Alternates...)
	}
	if pt.Sequence != nil {
		kinds++
		m = append(m, pt.Sequence...)
	}
	for _, one := range []string{pt.Optional, pt.OneOrMore, pt.ZeroOrMore} {
		if one != "" {
			kinds++
			m = append(m, one)
		}
	}
	return m, kinds
}

func cyclic(id string, patterns map[string]Pattern, path map[string]bool) bool {
	if path[id] {
		return true
	}
	pt, ok := patterns[id]
	if !ok {
		return false
	}
	path[id] = true
	defer delete(path, id)
	members, _ := pt.members()
	for _, m := range members {
		if cyclic(m, patterns, path) {
			return true
		}
	}
	return false
}

func (r Rule) validate() error {
	if r.Presence == "" && r.Any == nil && r.All == nil && r.None == nil {
		return fmt.Errorf("needs one of presence, any, all, none")
	}
	switch r.Presence {
	case "", "included", "excluded", "recommended":
	default:
		return fmt.Errorf("presence %q is not included, excluded or recommended", r.Presence)
	}
	if r.Presence == "excluded" && (r.Any != nil || r.All != nil || r.None != nil) {
		return fmt.Errorf("an excluded location cannot also constrain values")
	}
	if _, err := CompilePath(r.Location); err != nil {
		return err
	}
	if r.Selector != "" {
		if _, err := CompilePath(r.Selector); err != nil {
			return fmt.Errorf("selector: %w", err)
		}
	}
	for _, list := range [][]any{r.Any, r.All, r.None} {
		if list != nil && len(list) == 0 {
			return fmt.Errorf("empty any/all/none array")
		}
	}
	if strings.TrimSpace(r.Location) != r.Location {
		return fmt.Errorf("location has surrounding spaces")
	}
	return nil
}
