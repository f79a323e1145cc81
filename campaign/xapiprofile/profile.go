package xapiprofile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/hocvu/hocvu/schemas/profiledoc"
)

// Identifiers of the campaign profile.
const (
	// ID is the profile's IRI (all versions).
	ID = "https://w3id.org/hocvu/xapi/profile"
	// VersionID is the current version's IRI. Statements that follow the
	// templates should carry it as a category context activity.
	VersionID = ID + "/v1.0"
	// TemplateBase prefixes the template ids.
	TemplateBase = ID + "/templates/"
	// PatternBase prefixes the pattern ids.
	PatternBase = ID + "/patterns/"
)

// Template ids of the profile.
const (
	TemplateLessonLaunched    = TemplateBase + "lesson-launched"
	TemplateLessonProgressed  = TemplateBase + "lesson-progressed"
	TemplateLessonCompleted   = TemplateBase + "lesson-completed"
	TemplateAssessmentPassed  = TemplateBase + "assessment-passed"
	TemplateAssessmentFailed  = TemplateBase + "assessment-failed"
	TemplateCourseCompleted   = TemplateBase + "course-completed"
	TemplateCertificateEarned = TemplateBase + "certificate-earned"
	// TemplateVNeIDConfirmed: a person confirmed on the VNeID platform,
	// sent on its own by the VNeID integration or the province.
	TemplateVNeIDConfirmed = TemplateBase + "vneid-confirmed"
	// PatternCourseJourney is the primary pattern: the statements of one
	// registration (one learner in one course).
	PatternCourseJourney = PatternBase + "course-journey"
)

// ResultProgress is cmi5's progress result extension (0–100), which the
// lesson-progressed template requires.
const ResultProgress = "https://w3id.org/xapi/cmi5/result/extensions/progress"

// LangMap is a language map ({"vi": "...", "en": "..."}).
type LangMap map[string]string

// Profile is an xAPI Profile document.
type Profile struct {
	Context    any        `json:"@context"`
	ID         string     `json:"id"`
	Type       string     `json:"type"`
	ConformsTo string     `json:"conformsTo"`
	PrefLabel  LangMap    `json:"prefLabel"`
	Definition LangMap    `json:"definition"`
	SeeAlso    string     `json:"seeAlso,omitempty"`
	Versions   []Version  `json:"versions"`
	Author     Author     `json:"author"`
	Concepts   []Concept  `json:"concepts,omitempty"`
	Templates  []Template `json:"templates,omitempty"`
	Patterns   []Pattern  `json:"patterns,omitempty"`
}

// Version is a profile version object.
type Version struct {
	ID              string   `json:"id"`
	WasRevisionOf   []string `json:"wasRevisionOf,omitempty"`
	GeneratedAtTime string   `json:"generatedAtTime"`
}

// Author is the Organization or Person that wrote the profile.
type Author struct {
	Type string `json:"type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// Concept is a Verb, ActivityType, AttachmentUsageType, an extension
// (ContextExtension, ResultExtension, ActivityExtension), a document
// resource or an Activity. Fields that do not apply to a type are empty.
type Concept struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"`
	InScheme     string   `json:"inScheme"`
	PrefLabel    LangMap  `json:"prefLabel"`
	Definition   LangMap  `json:"definition"`
	Deprecated   bool     `json:"deprecated,omitempty"`
	Broader      []string `json:"broader,omitempty"`
	BroadMatch   []string `json:"broadMatch,omitempty"`
	Narrower     []string `json:"narrower,omitempty"`
	NarrowMatch  []string `json:"narrowMatch,omitempty"`
	Related      []string `json:"related,omitempty"`
	RelatedMatch []string `json:"relatedMatch,omitempty"`
	ExactMatch   []string `json:"exactMatch,omitempty"`
	// Extensions only.
	RecommendedActivityTypes []string `json:"recommendedActivityTypes,omitempty"`
	RecommendedVerbs         []string `json:"recommendedVerbs,omitempty"`
	ContextIRI               string   `json:"context,omitempty"`
	Schema                   string   `json:"schema,omitempty"`
	InlineSchema             string   `json:"inlineSchema,omitempty"`
	// Document resources and activities.
	ContentType        string         `json:"contentType,omitempty"`
	ActivityDefinition map[string]any `json:"activityDefinition,omitempty"`
}

// Template is a Statement Template.
type Template struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	InScheme    string  `json:"inScheme"`
	PrefLabel   LangMap `json:"prefLabel"`
	Definition  LangMap `json:"definition"`
	AllowedSolo bool    `json:"allowedSolo,omitempty"`
	Deprecated  bool    `json:"deprecated,omitempty"`
	// Determining properties.
	Verb                        string   `json:"verb,omitempty"`
	ObjectActivityType          string   `json:"objectActivityType,omitempty"`
	ContextGroupingActivityType []string `json:"contextGroupingActivityType,omitempty"`
	ContextParentActivityType   []string `json:"contextParentActivityType,omitempty"`
	ContextOtherActivityType    []string `json:"contextOtherActivityType,omitempty"`
	ContextCategoryActivityType []string `json:"contextCategoryActivityType,omitempty"`
	AttachmentUsageType         []string `json:"attachmentUsageType,omitempty"`
	ObjectStatementRefTemplate  []string `json:"objectStatementRefTemplate,omitempty"`
	ContextStatementRefTemplate []string `json:"contextStatementRefTemplate,omitempty"`
	Rules                       []Rule   `json:"rules,omitempty"`
}

// Rule is a Statement Template rule.
type Rule struct {
	Location  string  `json:"location"`
	Selector  string  `json:"selector,omitempty"`
	Presence  string  `json:"presence,omitempty"` // included, excluded, recommended
	Any       []any   `json:"any,omitempty"`
	All       []any   `json:"all,omitempty"`
	None      []any   `json:"none,omitempty"`
	ScopeNote LangMap `json:"scopeNote,omitempty"`
}

// Pattern is a Pattern: exactly one of Alternates, Optional, OneOrMore,
// Sequence and ZeroOrMore is set; members are template or pattern ids.
type Pattern struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Primary    bool     `json:"primary,omitempty"`
	InScheme   string   `json:"inScheme"`
	PrefLabel  LangMap  `json:"prefLabel,omitempty"`
	Definition LangMap  `json:"definition,omitempty"`
	Deprecated bool     `json:"deprecated,omitempty"`
	Alternates []string `json:"alternates,omitempty"`
	Optional   string   `json:"optional,omitempty"`
	OneOrMore  string   `json:"oneOrMore,omitempty"`
	Sequence   []string `json:"sequence,omitempty"`
	ZeroOrMore string   `json:"zeroOrMore,omitempty"`
}

// Parse decodes a profile document. Unknown properties are an error (they
// are almost always typos in a hand-written profile); Validate checks the
// rest of the structure.
func Parse(data []byte) (*Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return &p, nil
}

var loadDefault = sync.OnceValues(func() (*Profile, error) {
	p, err := Parse(profiledoc.Document())
	if err != nil {
		return nil, err
	}
	if errs := p.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("profile: embedded profile is invalid: %w", errs[0])
	}
	return p, nil
})

// Default returns the embedded campaign profile (parsed once). It panics
// if the embedded document is broken, which the tests rule out.
func Default() *Profile {
	p, err := loadDefault()
	if err != nil {
		panic(err)
	}
	return p
}

// Concept returns the concept with id.
func (p *Profile) Concept(id string) (Concept, bool) {
	for _, c := range p.Concepts {
		if c.ID == id {
			return c, true
		}
	}
	return Concept{}, false
}

// Template returns the template with id.
func (p *Profile) Template(id string) (Template, bool) {
	for _, t := range p.Templates {
		if t.ID == id {
			return t, true
		}
	}
	return Template{}, false
}

// Pattern returns the pattern with id.
func (p *Profile) Pattern(id string) (Pattern, bool) {
	for _, pt := range p.Patterns {
		if pt.ID == id {
			return pt, true
		}
	}
	return Pattern{}, false
}
