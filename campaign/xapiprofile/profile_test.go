package xapiprofile_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/campaign/xapiprofile"
	"github.com/hocvu/hocvu/schemas/profiledoc"
)

// vocabIRIs lists every IRI of campaign/vocab with the concept type the
// profile must give it.
var vocabIRIs = map[string]string{
	vocab.VerbLaunched:          "Verb",
	vocab.VerbInitialized:       "Verb",
	vocab.VerbProgressed:        "Verb",
	vocab.VerbCompleted:         "Verb",
	vocab.VerbPassed:            "Verb",
	vocab.VerbFailed:            "Verb",
	vocab.VerbTerminated:        "Verb",
	vocab.VerbEarned:            "Verb",
	vocab.TypeCourse:            "ActivityType",
	vocab.TypeLesson:            "ActivityType",
	vocab.TypeAssessment:        "ActivityType",
	vocab.TypeCertificate:       "ActivityType",
	vocab.TypeVNeIDConfirmation: "ActivityType",
	vocab.ExtProvince:           "ContextExtension",
	vocab.ExtCommune:            "ContextExtension",
	vocab.ExtTargetGroup:        "ContextExtension",
	vocab.ExtSubgroups:          "ContextExtension",
	vocab.ExtHousehold:          "ContextExtension",
	vocab.ExtTeam:               "ContextExtension",
	vocab.ExtMentor:             "ContextExtension",
	vocab.ExtExpectedDuration:   "ActivityExtension",
	vocab.AttachmentCertificate: "AttachmentUsageType",
}

// vocab.VerbVoided is reserved by xAPI itself and not part of the profile.

func TestEmbeddedProfileIsValid(t *testing.T) {
	p, err := xapiprofile.Parse(profiledoc.Document())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Validate() {
		t.Error(e)
	}
	if p.ID != xapiprofile.ID || len(p.Versions) != 1 || p.Versions[0].ID != xapiprofile.VersionID {
		t.Errorf("profile id %s, versions %v; want %s, %s", p.ID, p.Versions, xapiprofile.ID, xapiprofile.VersionID)
	}
	if p.Context != "https://w3id.org/xapi/profiles/context" || p.ConformsTo != "https://w3id.org/xapi/profiles#1.0" {
		t.Errorf("@context %v, conformsTo %s", p.Context, p.ConformsTo)
	}
	for _, lm := range []xapiprofile.LangMap{p.PrefLabel, p.Definition} {
		if lm["vi"] == "" || lm["en"] == "" {
			t.Errorf("profile labels need vi and en: %v", lm)
		}
	}
	for _, c := range p.Concepts {
		if c.PrefLabel["vi"] == "" || c.PrefLabel["en"] == "" || c.Definition["vi"] == "" || c.Definition["en"] == "" {
			t.Errorf("concept %s needs prefLabel and definition in vi and en", c.ID)
		}
	}
	for _, tp := range p.Templates {
		if tp.PrefLabel["vi"] == "" || tp.PrefLabel["en"] == "" {
			t.Errorf("template %s needs prefLabel in vi and en", tp.ID)
		}
	}
}

// TestConceptsMatchVocab: every IRI the profile defines is one of
// campaign/vocab's, with the right concept type, and every campaign/vocab IRI is in
// the profile.
func TestConceptsMatchVocab(t *testing.T) {
	p := xapiprofile.Default()
	defined := map[string]bool{}
	for _, c := range p.Concepts {
		want, ok := vocabIRIs[c.ID]
		switch {
		case !ok:
			t.Errorf("profile concept %s is not in campaign/vocab", c.ID)
		case want != c.Type:
			t.Errorf("concept %s has type %s, campaign/vocab uses it as %s", c.ID, c.Type, want)
		}
		defined[c.ID] = true
	}
	for iri := range vocabIRIs {
		if !defined[iri] {
			t.Errorf("campaign/vocab IRI %s is not defined by the profile", iri)
		}
	}
	// Campaign-owned IRIs live under vocab.Base; reused ones are ADL's.
	for _, c := range p.Concepts {
		if !strings.HasPrefix(c.ID, vocab.Base) && !strings.HasPrefix(c.ID, "http://adlnet.gov/expapi/") {
			t.Errorf("concept %s is neither the campaign's nor ADL's", c.ID)
		}
	}
}

// TestTemplatesUseProfileConcepts: every IRI a template uses (determining
// properties, extension keys in rule locations) is a concept of the
// profile, or cmi5's progress extension.
func TestTemplatesUseProfileConcepts(t *testing.T) {
	p := xapiprofile.Default()
	known := func(iri string) bool {
		_, ok := p.Concept(iri)
		return ok || iri == xapiprofile.ResultProgress
	}
	keyRE := regexp.MustCompile(`\['([^']+)'\]`)
	want := []string{xapiprofile.TemplateLessonLaunched, xapiprofile.TemplateLessonProgressed, xapiprofile.TemplateLessonCompleted,
		xapiprofile.TemplateAssessmentPassed, xapiprofile.TemplateAssessmentFailed, xapiprofile.TemplateCourseCompleted, xapiprofile.TemplateCertificateEarned,
		xapiprofile.TemplateVNeIDConfirmed}
	var got []string
	for _, tp := range p.Templates {
		got = append(got, tp.ID)
		for _, iri := range slices.Concat([]string{tp.Verb, tp.ObjectActivityType}, tp.ContextParentActivityType, tp.ContextGroupingActivityType) {
			if iri != "" && !known(iri) {
				t.Errorf("template %s uses %s, which the profile does not define", tp.ID, iri)
			}
		}
		for _, r := range tp.Rules {
			for _, m := range keyRE.FindAllStringSubmatch(r.Location, -1) {
				if !known(m[1]) {
					t.Errorf("template %s rule %s uses extension %s, which the profile does not define", tp.ID, r.Location, m[1])
				}
			}
			for _, v := range slices.Concat(r.Any, r.All, r.None) {
				if s, ok := v.(string); ok && strings.Contains(s, "://") && !known(s) {
					t.Errorf("template %s rule %s names %s, which the profile does not define", tp.ID, r.Location, s)
				}
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("templates %v, want %v", got, want)
	}
	if _, ok := p.Pattern(xapiprofile.PatternCourseJourney); !ok {
		t.Errorf("no primary pattern %s", xapiprofile.PatternCourseJourney)
	}
}

func TestExtensionSchemas(t *testing.T) {
	ext, err := profiledoc.DefaultExtensions()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		iri   string
		value string
		ok    bool
	}{
		{vocab.ExtProvince, `"51"`, true},
		{vocab.ExtProvince, `51`, false},
		{vocab.ExtProvince, `"051"`, false},
		{vocab.ExtCommune, `"21121"`, true},
		{vocab.ExtCommune, `"2112"`, false},
		{vocab.ExtTargetGroup, `"citizen"`, true},
		{vocab.ExtTargetGroup, `"farmer"`, false},
		{vocab.ExtSubgroups, `["elderly","farmer"]`, true},
		{vocab.ExtSubgroups, `["elderly","elderly"]`, false},
		{vocab.ExtSubgroups, `"elderly"`, false},
		{vocab.ExtHousehold, `"hh-21121-00042"`, true},
		{vocab.ExtHousehold, `""`, false},
		{vocab.ExtMentor, `"DS-21121-001"`, true},
		{vocab.ExtTeam, `7`, false},
		{vocab.ExtExpectedDuration, `"PT15M"`, true},
		{vocab.ExtExpectedDuration, `"PT1H2M3.5S"`, true},
		{vocab.ExtExpectedDuration, `"15 minutes"`, false},
		{"https://example.com/not-ours", `{"anything": true}`, true},
	}
	for _, c := range cases {
		var v any
		if err := json.Unmarshal([]byte(c.value), &v); err != nil {
			t.Fatal(err)
		}
		err := ext.Validate(c.iri, v)
		if (err == nil) != c.ok {
			t.Errorf("%s = %s: error %v, want ok=%v", c.iri, c.value, err, c.ok)
		}
	}
}

// TestValidateFindsBrokenProfiles mutates the embedded profile and checks
// that Validate reports each mutation.
func TestValidateFindsBrokenProfiles(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *xapiprofile.Profile)
		want   string
	}{
		{"duplicate id", func(p *xapiprofile.Profile) { p.Concepts[1].ID = p.Concepts[0].ID }, "already used"},
		{"foreign inScheme", func(p *xapiprofile.Profile) { p.Concepts[0].InScheme = "https://example.com/v9" }, "inScheme"},
		{"bad concept type", func(p *xapiprofile.Profile) { p.Concepts[0].Type = "Verbe" }, "unknown type"},
		{"two pattern kinds", func(p *xapiprofile.Profile) { p.Patterns[1].Optional = xapiprofile.TemplateLessonLaunched }, "want exactly one"},
		{"unknown member", func(p *xapiprofile.Profile) { p.Patterns[0].Sequence[0] = "https://example.com/nothing" }, "neither a template nor a pattern"},
		{"self reference", func(p *xapiprofile.Profile) { p.Patterns[1].OneOrMore = p.Patterns[0].ID }, "refers to itself"},
		{"optional in alternates", func(p *xapiprofile.Profile) {
			for i := range p.Patterns {
				if p.Patterns[i].Alternates != nil {
					p.Patterns[i].Alternates[0] = xapiprofile.PatternBase + "lesson-completion-optional"
					return
				}
			}
		}, "directly inside alternates"},
		{"bad JSONPath", func(p *xapiprofile.Profile) { p.Templates[0].Rules[0].Location = "$..id" }, "recursive descent"},
		{"filter", func(p *xapiprofile.Profile) { p.Templates[0].Rules[0].Location = "$.x[?(@.y)]" }, "filter"},
		{"rule without requirement", func(p *xapiprofile.Profile) { p.Templates[0].Rules[0].Presence = "" }, "needs one of"},
		{"bad presence", func(p *xapiprofile.Profile) { p.Templates[0].Rules[0].Presence = "required" }, "presence"},
		{"inline schema not JSON", func(p *xapiprofile.Profile) { p.Concepts[len(p.Concepts)-1].InlineSchema = "{" }, "not JSON"},
		{"primary without label", func(p *xapiprofile.Profile) { p.Patterns[0].PrefLabel = nil }, "primary pattern needs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := xapiprofile.Parse(profiledoc.Document())
			if err != nil {
				t.Fatal(err)
			}
			c.mutate(p)
			errs := p.Validate()
			for _, e := range errs {
				if strings.Contains(e.Error(), c.want) {
					return
				}
			}
			t.Errorf("no error containing %q in %v", c.want, errs)
		})
	}
}

func TestParseRejectsUnknownProperties(t *testing.T) {
	_, err := xapiprofile.Parse([]byte(`{"id":"x","type":"Profile","concept":[]}`))
	if err == nil || !strings.Contains(err.Error(), "concept") {
		t.Errorf("want an unknown-field error, got %v", err)
	}
}
