package xapiprofile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/hocvu/hocvu/schemas/profiledoc"
)

// Misfit is one way a statement does not fit the profile.
type Misfit struct {
	// Template is the id of the Statement Template the statement was
	// checked against ("" for problems found outside any template, such as
	// an extension value).
	Template string `json:"template,omitempty"`
	// Location is the JSONPath of the rule (or of the determining
	// property) that failed.
	Location string `json:"location"`
	// Rule names what failed: "included", "excluded", "any", "all",
	// "none", "determining", "extension" or "no-template".
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (m Misfit) String() string {
	s := m.Location + ": " + m.Message + " (" + m.Rule + ")"
	if m.Template != "" {
		s += " [" + strings.TrimPrefix(m.Template, TemplateBase) + "]"
	}
	return s
}

// Checker checks statements against a profile's templates and extension
// schemas. It is immutable and safe for concurrent use.
type Checker struct {
	profile   *Profile
	templates []checkTemplate
	ext       *profiledoc.Extensions
	extType   map[string]string // extension IRI -> concept type
	verbs     map[string]bool
}

type checkTemplate struct {
	Template
	rules []checkRule
}

type checkRule struct {
	Rule
	loc, sel *Path
}

// NewChecker compiles the templates of p. ext may be nil (no extension
// value checks).
func NewChecker(p *Profile, ext *profiledoc.Extensions) (*Checker, error) {
	c := &Checker{profile: p, ext: ext, extType: map[string]string{}, verbs: map[string]bool{}}
	for _, con := range p.Concepts {
		if strings.HasSuffix(con.Type, "Extension") {
			c.extType[con.ID] = con.Type
		}
	}
	for _, t := range p.Templates {
		ct := checkTemplate{Template: t}
		for i, r := range t.Rules {
			loc, err := CompilePath(r.Location)
			if err != nil {
				return nil, fmt.Errorf("template %s rule %d: %w", t.ID, i, err)
			}
			cr := checkRule{Rule: r, loc: loc}
			if r.Selector != "" {
				if cr.sel, err = CompilePath(r.Selector); err != nil {
					return nil, fmt.Errorf("template %s rule %d: selector: %w", t.ID, i, err)
				}
			}
			ct.rules = append(ct.rules, cr)
		}
		c.templates = append(c.templates, ct)
		if t.Verb != "" {
			c.verbs[t.Verb] = true
		}
	}
	return c, nil
}

var defaultChecker = sync.OnceValues(func() (*Checker, error) {
	ext, err := profiledoc.DefaultExtensions()
	if err != nil {
		return nil, err
	}
	return NewChecker(Default(), ext)
})

// DefaultChecker returns the checker of the embedded campaign profile.
func DefaultChecker() *Checker {
	c, err := defaultChecker()
	if err != nil {
		panic(err)
	}
	return c
}

// Check evaluates a statement against the embedded campaign profile; see
// [Checker.Check].
func Check(statement map[string]any) []Misfit { return DefaultChecker().Check(statement) }

// Check evaluates a statement (decoded JSON, as from xapi.Decode) and
// returns every misfit; none means the statement fits. See [Checker.Match].
func (c *Checker) Check(statement map[string]any) []Misfit {
	_, m := c.Match(statement)
	return m
}

// Match finds the template the statement follows and returns its id with
// the misfits ("" when no template applies).
//
// A statement is checked against a template when it has all of the
// template's determining properties; if several templates apply, one that
// it fits wins. A statement whose verb and object activity type belong to
// a template but that lacks another determining property (e.g. the course
// as parent) is reported against that template. A statement with no
// template of the profile is fine unless it declares the profile version
// as a category context activity. Extension values defined by the
// profile are checked against their inline schemas in every statement.
func (c *Checker) Match(statement map[string]any) (string, []Misfit) {
	st := normalize(statement)
	misfits := c.checkExtensions(st)
	var full []*checkTemplate
	var partial *checkTemplate
	var partialMiss []Misfit
	for i := range c.templates {
		t := &c.templates[i]
		miss := t.determining(st)
		if len(miss) == 0 {
			full = append(full, t)
			continue
		}
		if t.Verb != "" && t.Verb == verbID(st) && (objectType(st) == "" || objectType(st) == t.ObjectActivityType) {
			if partial == nil || len(miss) < len(partialMiss) {
				partial, partialMiss = t, miss
			}
		}
	}
	if len(full) > 0 {
		var best *checkTemplate
		var bestMiss []Misfit
		for _, t := range full {
			miss := t.check(st)
			if best == nil || len(miss) < len(bestMiss) {
				best, bestMiss = t, miss
			}
			if len(miss) == 0 {
				break
			}
		}
		return best.ID, append(misfits, bestMiss...)
	}
	if partial != nil {
		return partial.ID, append(misfits, append(partialMiss, partial.check(st)...)...)
	}
	if declaresProfile(st, c.profile) {
		misfits = append(misfits, Misfit{Location: "$.context.contextActivities.category", Rule: "no-template",
			Message: "the statement declares the profile but matches none of its statement templates"})
	}
	return "", misfits
}

// determining returns a misfit per determining property the statement
// lacks.
func (t *checkTemplate) determining(st map[string]any) []Misfit {
	var miss []Misfit
	add := func(loc, msg string) {
		miss = append(miss, Misfit{Template: t.ID, Location: loc, Rule: "determining", Message: msg})
	}
	if t.Verb != "" {
		if v := verbID(st); v != t.Verb {
			add("$.verb.id", fmt.Sprintf("verb is %q; the template is for %s", v, t.Verb))
		}
	}
	if t.ObjectActivityType != "" {
		if ot := objectType(st); ot != t.ObjectActivityType {
			msg := fmt.Sprintf("object activity type is %q; the template needs %s", ot, t.ObjectActivityType)
			if ot == "" {
				msg = "object.definition.type is missing; the template needs " + t.ObjectActivityType
			}
			add("$.object.definition.type", msg)
		}
	}
	for _, k := range []struct {
		kind  string
		types []string
	}{{"parent", t.ContextParentActivityType}, {"grouping", t.ContextGroupingActivityType}, {"category", t.ContextCategoryActivityType}, {"other", t.ContextOtherActivityType}} {
		have := contextTypes(st, k.kind)
		for _, want := range k.types {
			if !have[want] {
				add("$.context.contextActivities."+k.kind, fmt.Sprintf("no %s context activity of type %s", k.kind, want))
			}
		}
	}
	if len(t.AttachmentUsageType) > 0 {
		have := map[string]bool{}
		for _, v := range mustPath("$.attachments[*].usageType").Eval(st) {
			if s, ok := v.(string); ok {
				have[s] = true
			}
		}
		for _, want := range t.AttachmentUsageType {
			if !have[want] {
				add("$.attachments", "no attachment with usageType "+want)
			}
		}
	}
	return miss
}

// check applies the template's rules.
func (t *checkTemplate) check(st map[string]any) []Misfit {
	var miss []Misfit
	for _, r := range t.rules {
		if m, bad := r.eval(st); bad {
			m.Template = t.ID
			miss = append(miss, m)
		}
	}
	return miss
}

// eval applies one rule as the specification's validation algorithm does.
func (r *checkRule) eval(st map[string]any) (Misfit, bool) {
	values := r.loc.Eval(st)
	unmatchable := 0
	if r.sel != nil {
		var selected []any
		for _, v := range values {
			s := r.sel.Eval(v)
			if len(s) == 0 {
				unmatchable++
			}
			selected = append(selected, s...)
		}
		values = selected
	}
	where := r.Location
	if r.Selector != "" {
		where += " " + r.Selector
	}
	fail := func(rule, msg string) (Misfit, bool) {
		return Misfit{Location: where, Rule: rule, Message: msg}, true
	}
	switch r.Presence {
	case "included":
		if len(values) == 0 || unmatchable > 0 {
			return fail("included", "required but missing")
		}
	case "excluded":
		if len(values) > 0 {
			return fail("excluded", "must not be present")
		}
		return Misfit{}, false
	case "recommended":
		if len(values) == 0 && unmatchable == 0 {
			return Misfit{}, false
		}
	}
	if r.Any != nil && !intersects(values, r.Any) {
		return fail("any", fmt.Sprintf("has %s; want one of %s", render(values), render(r.Any)))
	}
	if r.All != nil {
		if len(values) == 0 || unmatchable > 0 {
			return fail("all", fmt.Sprintf("missing; want %s", render(r.All)))
		}
		for _, v := range values {
			if !contains(r.All, v) {
				return fail("all", fmt.Sprintf("has %s; every value must be one of %s", render([]any{v}), render(r.All)))
			}
		}
	}
	if r.None != nil {
		for _, v := range values {
			if contains(r.None, v) {
				return fail("none", fmt.Sprintf("has %s, which is not allowed here", render([]any{v})))
			}
		}
	}
	return Misfit{}, false
}

// checkExtensions checks the profile's extensions: a context extension
// only in context, an activity extension only in activity definitions,
// a result extension only in result, and values against inline schemas.
func (c *Checker) checkExtensions(st map[string]any) []Misfit {
	var miss []Misfit
	places := []struct {
		path, want string
	}{
		{"$.context.extensions", "ContextExtension"},
		{"$.result.extensions", "ResultExtension"},
		{"$.object.definition.extensions", "ActivityExtension"},
		{"$.context.contextActivities.*[*].definition.extensions", "ActivityExtension"},
	}
	for _, pl := range places {
		for _, m := range mustPath(pl.path).Eval(st) {
			exts, ok := m.(map[string]any)
			if !ok {
				continue
			}
			keys := make([]string, 0, len(exts))
			for k := range exts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				typ, ours := c.extType[k]
				if !ours {
					continue
				}
				loc := pl.path + "['" + k + "']"
				if typ != pl.want {
					miss = append(miss, Misfit{Location: loc, Rule: "extension", Message: fmt.Sprintf("a %s may only be used where a %s goes", typ, pl.want)})
					continue
				}
				if c.ext != nil {
					if err := c.ext.Validate(k, exts[k]); err != nil {
						miss = append(miss, Misfit{Location: loc, Rule: "extension", Message: "value " + render([]any{exts[k]}) + ": " + err.Error()})
					}
				}
			}
		}
	}
	return miss
}

var pathCache sync.Map

func mustPath(src string) *Path {
	if p, ok := pathCache.Load(src); ok {
		return p.(*Path)
	}
	p, err := CompilePath(src)
	if err != nil {
		panic(err)
	}
	pathCache.Store(src, p)
	return p
}

// normalize returns the statement with singleton context activities
// turned into arrays (xAPI 1.0 allowed objects), copying only what it
// changes.
func normalize(st map[string]any) map[string]any {
	ctx, _ := st["context"].(map[string]any)
	ca, _ := ctx["contextActivities"].(map[string]any)
	if ca == nil {
		return st
	}
	changed := false
	for _, v := range ca {
		if _, ok := v.(map[string]any); ok {
			changed = true
		}
	}
	if !changed {
		return st
	}
	nca := make(map[string]any, len(ca))
	for k, v := range ca {
		if m, ok := v.(map[string]any); ok {
			nca[k] = []any{m}
		} else {
			nca[k] = v
		}
	}
	nctx := make(map[string]any, len(ctx))
	for k, v := range ctx {
		nctx[k] = v
	}
	nctx["contextActivities"] = nca
	nst := make(map[string]any, len(st))
	for k, v := range st {
		nst[k] = v
	}
	nst["context"] = nctx
	return nst
}

func verbID(st map[string]any) string {
	v, _ := st["verb"].(map[string]any)
	s, _ := v["id"].(string)
	return s
}

func objectType(st map[string]any) string {
	o, _ := st["object"].(map[string]any)
	if ot, _ := o["objectType"].(string); ot != "" && ot != "Activity" {
		return ""
	}
	d, _ := o["definition"].(map[string]any)
	s, _ := d["type"].(string)
	return s
}

func contextTypes(st map[string]any, kind string) map[string]bool {
	have := map[string]bool{}
	for _, v := range mustPath("$.context.contextActivities." + kind + "[*].definition.type").Eval(st) {
		if s, ok := v.(string); ok {
			have[s] = true
		}
	}
	return have
}

func declaresProfile(st map[string]any, p *Profile) bool {
	for _, v := range mustPath("$.context.contextActivities.category[*].id").Eval(st) {
		s, _ := v.(string)
		for _, ver := range p.Versions {
			if s == ver.ID {
				return true
			}
		}
	}
	return false
}

func intersects(values, allowed []any) bool {
	for _, v := range values {
		if contains(allowed, v) {
			return true
		}
	}
	return false
}

func contains(list []any, v any) bool {
	nv := plain(v)
	for _, x := range list {
		if reflect.DeepEqual(plain(x), nv) {
			return true
		}
	}
	return false
}

// plain converts json.Number values to float64 so that values decoded
// with and without UseNumber compare equal.
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = plain(e)
		}
		return l
	}
	return v
}

func render(values []any) string {
	if len(values) == 0 {
		return "nothing"
	}
	parts := make([]string, len(values))
	for i, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		parts[i] = string(b)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
