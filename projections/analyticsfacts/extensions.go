package analyticsfacts

import (
	"fmt"
	"slices"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/vocab"
)

// contextExtensions decodes a statement's context extensions straight from
// the token stream: it keeps every key, the values of the campaign's own
// extensions, and skips the other values without building them (they may
// be large, and analytics does not project them).
type contextExtensions struct {
	keys                                                    []string
	province, commune, targetGroup, team, mentor, household string
	subgroups                                               []string
}

// UnmarshalJSONFrom implements jsonv2.UnmarshalerFrom.
func (e *contextExtensions) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return eachMember(dec, func(name string) error {
		e.keys = append(e.keys, name)
		var dst *string
		switch name {
		case vocab.ExtProvince:
			dst = &e.province
		case vocab.ExtCommune:
			dst = &e.commune
		case vocab.ExtTargetGroup:
			dst = &e.targetGroup
		case vocab.ExtTeam:
			dst = &e.team
		case vocab.ExtMentor:
			dst = &e.mentor
		case vocab.ExtHousehold:
			dst = &e.household
		case vocab.ExtSubgroups:
			raw, err := dec.ReadValue()
			if err != nil {
				return err
			}
			var subs []any
			if jsonv2.Unmarshal(raw, &subs) == nil {
				for _, s := range subs {
					if v := scalarValue(s); v != "" {
						e.subgroups = append(e.subgroups, v)
					}
				}
			}
			return nil
		default:
			return dec.SkipValue()
		}
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		*dst = scalar(raw)
		return nil
	})
}

// apply copies the decoded extensions into f, the household as a
// pseudonym. A campaign extension whose value is empty (or not a value
// at all) is left out of f.ExtKeys as well: ExtKeys then tells exactly
// which campaign values the statement supplied itself, and which the
// learner directory may fill (and fill again when it changes).
func (e *contextExtensions) apply(f *analytics.Fact, ps *analytics.Pseudonymizer) {
	f.Province, f.Commune, f.TargetGroup, f.Team, f.Mentor = e.province, e.commune, e.targetGroup, e.team, e.mentor
	if e.household != "" {
		f.HouseholdID = ps.ID("household", e.household)
	}
	f.Subgroups = e.subgroups
	keys := e.keys[:0]
	for _, k := range e.keys {
		if e.supplied(k) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		slices.Sort(keys)
		f.ExtKeys = keys
	}
}

// supplied reports whether the statement gave extension key a value: any
// extension but a campaign one with an empty value.
func (e *contextExtensions) supplied(key string) bool {
	switch key {
	case vocab.ExtProvince:
		return e.province != ""
	case vocab.ExtCommune:
		return e.commune != ""
	case vocab.ExtTargetGroup:
		return e.targetGroup != ""
	case vocab.ExtTeam:
		return e.team != ""
	case vocab.ExtMentor:
		return e.mentor != ""
	case vocab.ExtHousehold:
		return e.household != ""
	case vocab.ExtSubgroups:
		return len(e.subgroups) > 0
	}
	return true
}

// expectedDuration decodes an activity definition's extensions, keeping
// only the campaign's expected-duration extension (an ISO 8601 duration).
type expectedDuration struct{ iso string }

// UnmarshalJSONFrom implements jsonv2.UnmarshalerFrom.
func (d *expectedDuration) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return eachMember(dec, func(name string) error {
		if name != vocab.ExtExpectedDuration {
			return dec.SkipValue()
		}
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if raw.Kind() == '"' {
			return jsonv2.Unmarshal(raw, &d.iso)
		}
		return nil
	})
}

// eachMember calls member for each name of the JSON object dec is at;
// member must consume the value. null is an empty object.
func eachMember(dec *jsontext.Decoder, member func(name string) error) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '{':
	default:
		return fmt.Errorf("extensions: want an object, got %v", tok.Kind())
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := member(name.String()); err != nil {
			return err
		}
	}
	_, err = dec.ReadToken()
	return err
}
