// Package profiledoc embeds the campaign's xAPI Profile document
// (hocvu-profile.jsonld, https://w3id.org/hocvu/xapi/profile) and compiles
// the JSON Schemas its extension concepts carry inline, so that extension
// values can be checked with the same JSON Schema engine as the statements
// (package schemas). Parsing the profile and checking statements against
// its templates lives in package campaign/xapiprofile.
//
// Everything here is read-only after the first use and safe for concurrent
// use.
package profiledoc

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

//go:embed hocvu-profile.jsonld
var document []byte

// Document returns a copy of the profile document (JSON-LD).
func Document() []byte { return bytes.Clone(document) }

// Extensions holds the compiled inline schemas of the profile's extension
// concepts, by extension IRI.
type Extensions struct {
	schemas map[string]*jsonschema.Schema
}

var loadExtensions = sync.OnceValues(func() (*Extensions, error) { return CompileExtensions(document) })

// DefaultExtensions returns the compiled extension schemas of the embedded
// profile (compiled once).
func DefaultExtensions() (*Extensions, error) { return loadExtensions() }

// CompileExtensions compiles the inlineSchema of every concept of the
// profile document doc that has one.
func CompileExtensions(doc []byte) (*Extensions, error) {
	var p struct {
		Concepts []struct {
			ID           string `json:"id"`
			InlineSchema string `json:"inlineSchema"`
		} `json:"concepts"`
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, fmt.Errorf("profile: decode concepts: %w", err)
	}
	e := &Extensions{schemas: map[string]*jsonschema.Schema{}}
	for i, c := range p.Concepts {
		if c.InlineSchema == "" {
			continue
		}
		raw, err := jsonschema.UnmarshalJSON(strings.NewReader(c.InlineSchema))
		if err != nil {
			return nil, fmt.Errorf("profile: concept %d (%s): inlineSchema is not JSON: %w", i, c.ID, err)
		}
		comp := jsonschema.NewCompiler()
		comp.DefaultDraft(jsonschema.Draft2020)
		url := fmt.Sprintf("https://schemas.hocvu.invalid/profile/concept-%d.json", i)
		if err := comp.AddResource(url, raw); err != nil {
			return nil, fmt.Errorf("profile: concept %d (%s): %w", i, c.ID, err)
		}
		s, err := comp.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("profile: concept %d (%s): inlineSchema: %w", i, c.ID, err)
		}
		e.schemas[c.ID] = s
	}
	return e, nil
}

// Has reports whether the profile gives a schema for the extension iri.
func (e *Extensions) Has(iri string) bool {
	_, ok := e.schemas[iri]
	return ok
}

// Validate checks an extension value (decoded with json.Decoder.UseNumber
// or plain encoding/json) against the schema of the extension iri. It
// returns nil when the value is valid or the profile has no schema for iri.
func (e *Extensions) Validate(iri string, value any) error {
	s, ok := e.schemas[iri]
	if !ok {
		return nil
	}
	if err := s.Validate(value); err != nil {
		var ve *jsonschema.ValidationError
		if ok := asValidationError(err, &ve); ok {
			return fmt.Errorf("%s", firstLeaf(ve))
		}
		return err
	}
	return nil
}

func asValidationError(err error, target **jsonschema.ValidationError) bool {
	ve, ok := err.(*jsonschema.ValidationError)
	if ok {
		*target = ve
	}
	return ok
}

// firstLeaf returns the message of the deepest first cause, which names
// the keyword that failed ("value must be one of ...").
func firstLeaf(ve *jsonschema.ValidationError) string {
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return ve.ErrorKind.LocalizedString(printer)
}
