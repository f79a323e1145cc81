package schemas

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer renders the messages of keywords that have no message of ours.
var printer = message.NewPrinter(language.English)

// flattener turns a jsonschema error tree into flat, readable Problems.
//
// Leaves become one Problem each, at their instance location. A failed
// oneOf/anyOf is narrowed to the alternative the document was evidently
// meant to be (alternatives whose JSON type or objectType do not fit are
// discarded); if that leaves exactly one, its errors are reported, otherwise
// the annotation of the oneOf (or a generic message) is.
type flattener struct {
	set *Set
	doc any
	out []Problem
}

type annotation struct{ rule, message string }

// walk flattens ve; parent is the instance location of the enclosing error.
func (f *flattener) walk(ve *jsonschema.ValidationError, parent string) {
	inst := pointer(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.OneOf:
		f.alternatives(ve, inst, "oneOf")
		return
	case *kind.AnyOf:
		f.alternatives(ve, inst, "anyOf")
		return
	case *kind.PropertyNames:
		// The reported instance location of a property name is not reliable;
		// the name belongs to the object of the enclosing error.
		path := parent + "/" + escapeToken(k.Property)
		for _, c := range ve.Causes {
			f.leaf(c, path, "")
		}
		return
	}
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			f.walk(c, inst)
		}
		return
	}
	f.leaf(ve, inst, parent)
}

func (f *flattener) alternatives(ve *jsonschema.ValidationError, inst, kw string) {
	ann := f.annotation(ve.SchemaURL)
	if len(ve.Causes) == 0 { // more than one alternative matched
		if ann != nil {
			f.emit(inst, ann.rule, ann.message)
		} else {
			f.emit(inst, "schema:"+kw, "matches more than one of the allowed forms")
		}
		return
	}
	var fits []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		if !f.misfit(c, inst) {
			fits = append(fits, c)
		}
	}
	switch {
	case len(fits) == 1:
		f.walk(fits[0], inst)
	case ann != nil:
		f.emit(inst, ann.rule, ann.message)
	case len(fits) == 0:
		f.emit(inst, "schema:"+kw, "does not match any of the allowed forms")
	default:
		best := fits[0]
		for _, c := range fits[1:] {
			if countLeaves(c) < countLeaves(best) {
				best = c
			}
		}
		f.walk(best, inst)
	}
}

// misfit reports whether the alternative that failed with c is clearly not
// the one meant for the value at inst: its JSON type differs, its objectType
// is wrong or missing where the alternative requires one, or its objectType
// guard (if/then/else: false) did not match.
func (f *flattener) misfit(c *jsonschema.ValidationError, inst string) bool {
	if len(c.Causes) > 0 {
		for _, cc := range c.Causes {
			if f.misfit(cc, inst) {
				return true
			}
		}
		return false
	}
	at := pointer(c.InstanceLocation)
	switch k := c.ErrorKind.(type) {
	case *kind.Type, *kind.FalseSchema:
		return at == inst
	case *kind.Const, *kind.Enum:
		return at == inst+"/objectType"
	case *kind.Required:
		return at == inst && contains(k.Missing, "objectType")
	}
	return false
}

// leaf reports one failed assertion at path inst; parent is the path of the
// enclosing object.
func (f *flattener) leaf(ve *jsonschema.ValidationError, inst, parent string) {
	if _, isType := ve.ErrorKind.(*kind.Type); !isType {
		if ann := f.annotation(ve.SchemaURL); ann != nil {
			f.emit(inst, ann.rule, ann.message)
			return
		}
	}
	value := lookup(f.doc, inst)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, p := range k.Missing {
			f.emit(inst+"/"+escapeToken(p), "schema:required", "is required")
		}
	case *kind.DependentRequired:
		for _, p := range k.Missing {
			f.emit(inst+"/"+escapeToken(p), "schema:dependentRequired", fmt.Sprintf("is required when %q is used", k.Prop))
		}
	case *kind.AdditionalProperties:
		known, _ := f.set.nodes[ve.SchemaURL]["properties"].(map[string]any)
		for _, p := range k.Properties {
			msg := "is not allowed here"
			for name := range known {
				if strings.EqualFold(name, p) {
					msg = fmt.Sprintf("is not allowed here; did you mean %q? Property names are case-sensitive", name)
				}
			}
			f.emit(inst+"/"+escapeToken(p), "schema:additionalProperties", msg)
		}
	case *kind.Type:
		f.emit(inst, "schema:type", fmt.Sprintf("must be %s, not %s", typeNames(k.Want), jsonType(value)))
	case *kind.Const:
		f.emit(inst, "schema:const", "must be "+jsonText(k.Want)+caseHint(value, k.Want))
	case *kind.Enum:
		texts := make([]string, len(k.Want))
		hint := ""
		for i, w := range k.Want {
			texts[i] = jsonText(w)
			if hint == "" {
				hint = caseHint(value, w)
			}
		}
		f.emit(inst, "schema:enum", "must be one of "+strings.Join(texts, ", ")+hint)
	case *kind.MinItems:
		if k.Want == 1 {
			f.emit(inst, "schema:minItems", "must not be empty")
		} else {
			f.emit(inst, "schema:minItems", fmt.Sprintf("must have at least %d items", k.Want))
		}
	case *kind.MaxItems:
		f.emit(inst, "schema:maxItems", fmt.Sprintf("must have at most %d items", k.Want))
	case *kind.MinProperties:
		f.emit(inst, "schema:minProperties", fmt.Sprintf("must have at least %d entry", k.Want))
	case *kind.MinLength:
		f.emit(inst, "schema:minLength", "must not be empty")
	case *kind.Minimum:
		f.emit(inst, "schema:minimum", "must be at least "+k.Want.RatString())
	case *kind.Maximum:
		f.emit(inst, "schema:maximum", "must be at most "+k.Want.RatString())
	case *kind.Format:
		f.emit(inst, "schema:format", "is not a valid "+k.Want)
	case *kind.Pattern:
		f.emit(inst, "schema:pattern", "has an invalid format")
	case *kind.Not, *kind.FalseSchema:
		f.emit(inst, "schema:not", "is not allowed here")
	default:
		rule := "schema:invalid"
		if kp := ve.ErrorKind.KeywordPath(); len(kp) > 0 {
			rule = "schema:" + kp[0]
		}
		f.emit(inst, rule, ve.ErrorKind.LocalizedString(printer))
	}
}

// annotation returns the x-rule/x-message of the schema object at loc.
func (f *flattener) annotation(loc string) *annotation {
	node := f.set.nodes[loc]
	rule, _ := node["x-rule"].(string)
	msg, _ := node["x-message"].(string)
	if rule == "" || msg == "" {
		return nil
	}
	return &annotation{rule, msg}
}

func (f *flattener) emit(path, rule, msg string) {
	p := Problem{Path: path, Rule: rule, Message: msg}
	for _, q := range f.out {
		if q == p {
			return
		}
	}
	f.out = append(f.out, p)
}

// pointer builds an RFC 6901 JSON pointer from instance location tokens.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return b.String()
}

// lookup resolves an RFC 6901 pointer in doc; it returns nil if there is
// no such value.
func lookup(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = tokenUnescaper.Replace(tok)
		switch x := cur.(type) {
		case map[string]any:
			cur = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			cur = x[i]
		default:
			return nil
		}
	}
	return cur
}

func countLeaves(ve *jsonschema.ValidationError) int {
	if len(ve.Causes) == 0 {
		return 1
	}
	n := 0
	for _, c := range ve.Causes {
		n += countLeaves(c)
	}
	return n
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func typeNames(types []string) string {
	names := map[string]string{
		"object": "an object", "array": "an array", "string": "a string", "number": "a number",
		"integer": "a whole number", "boolean": "true or false", "null": "null",
	}
	list := make([]string, len(types))
	for i, n := range types {
		list[i] = n
		if w, ok := names[n]; ok {
			list[i] = w
		}
	}
	return strings.Join(list, " or ")
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "a number with a fraction"
		}
		return "a number"
	default:
		return "a number"
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func caseHint(value, want any) string {
	s, ok1 := value.(string)
	w, ok2 := want.(string)
	if ok1 && ok2 && s != w && strings.EqualFold(s, w) {
		return " (values are case-sensitive)"
	}
	return ""
}

func sortProblems(ps []Problem) []Problem {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		if ps[i].Rule != ps[j].Rule {
			return ps[i].Rule < ps[j].Rule
		}
		return ps[i].Message < ps[j].Message
	})
	return ps
}
