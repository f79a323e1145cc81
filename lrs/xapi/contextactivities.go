package xapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// contextActivityKeys are the keys of a contextActivities object
// (Data 2.4.6.2).
var contextActivityKeys = [...]string{"parent", "grouping", "category", "other"}

// ContextActivitiesAsArrays returns st with every contextActivities value
// an array: a single Activity becomes an array of one, in the statement's
// context and in the context of its SubStatement. The LRS returns them so
// (Data 2.4.6.2.s4.b3 and b4; IEEE 9274.1.1 4.2.4.2), whatever shape the
// client sent. changed reports whether st had a single Activity anywhere;
// when it had none, out is st itself. st is never modified.
func ContextActivitiesAsArrays(st map[string]any) (out map[string]any, changed bool) {
	return contextActivitiesAsArrays(st, true)
}

// contextActivitiesAsArrays is ContextActivitiesAsArrays; withSub also
// handles st's SubStatement.
func contextActivitiesAsArrays(st map[string]any, withSub bool) (map[string]any, bool) {
	var ctx, sub map[string]any
	changed := false
	if c, ok := st["context"].(map[string]any); ok {
		ctx, changed = contextWithArrays(c)
	}
	subChanged := false
	if obj, ok := st["object"].(map[string]any); ok && withSub && obj["objectType"] == "SubStatement" {
		sub, subChanged = contextActivitiesAsArrays(obj, false)
	}
	if !changed && !subChanged {
		return st, false
	}
	out := make(map[string]any, len(st))
	for k, v := range st {
		out[k] = v
	}
	if changed {
		out["context"] = ctx
	}
	if subChanged {
		out["object"] = sub
	}
	return out, true
}

func contextWithArrays(ctx map[string]any) (map[string]any, bool) {
	ca, ok := ctx["contextActivities"].(map[string]any)
	if !ok {
		return ctx, false
	}
	single := false
	for _, k := range contextActivityKeys {
		if _, ok := ca[k].(map[string]any); ok {
			single = true
		}
	}
	if !single {
		return ctx, false
	}
	out := make(map[string]any, len(ctx))
	for k, v := range ctx {
		out[k] = v
	}
	out["contextActivities"] = mapContextActivities(ca, func(a any) any { return a })
	return out, true
}

// ContextActivitiesAsArraysJSON is [ContextActivitiesAsArrays] for the JSON
// text of a stored statement: it writes "[" and "]" around every
// contextActivities value that is a single object (in the context and in
// the SubStatement's context) and copies every other value as it is, so the
// rest of the statement keeps the client's serialization. It returns raw
// itself when nothing needs to change, which is the common case: only
// statements stored before the LRS wrote arrays itself can need it.
func ContextActivitiesAsArraysJSON(raw []byte) ([]byte, error) {
	if !maySingleContextActivity(raw) {
		return raw, nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	var out bytes.Buffer
	out.Grow(len(raw) + 16)
	enc := jsontext.NewEncoder(&out)
	changed, err := copyObject(dec, enc, statementMember(true))
	if err == nil {
		if _, end := dec.ReadToken(); !errors.Is(end, io.EOF) {
			err = errors.New("unexpected data after the statement")
		}
	}
	if err != nil {
		// Text the streaming decoder refuses (it is stricter than
		// encoding/json, e.g. about invalid UTF-8): decode and re-encode.
		return contextActivitiesAsArraysDecoded(raw)
	}
	if !changed {
		return raw, nil
	}
	return bytes.TrimRight(out.Bytes(), "\n"), nil
}

func contextActivitiesAsArraysDecoded(raw []byte) ([]byte, error) {
	doc, err := Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("xapi: context activities: %w", err)
	}
	st, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("xapi: context activities: the statement is not a JSON object")
	}
	st, changed := contextActivitiesAsArrays(st, true)
	if !changed {
		return raw, nil
	}
	return json.Marshal(st)
}

// maySingleContextActivity reports whether raw may hold a contextActivities
// object with an object as a member value, by a scan that allocates
// nothing. It answers true for every statement that has one; it may also
// answer true for others (a contextActivities member inside extensions, or
// a member name written with escapes, which only the decoder can read).
func maySingleContextActivity(raw []byte) bool {
	// An escape of a letter of "contextActivities": \u0041 for "A", \u006X
	// and \u007X for its lowercase letters.
	if bytes.Contains(raw, []byte(`\u006`)) || bytes.Contains(raw, []byte(`\u007`)) || bytes.Contains(raw, []byte(`\u0041`)) {
		return true
	}
	key := []byte(`"contextActivities"`)
	for i := 0; i < len(raw); {
		j := bytes.Index(raw[i:], key)
		if j < 0 {
			return false
		}
		p := skipSpace(raw, i+j+len(key))
		if p < len(raw) && raw[p] == ':' {
			if q := skipSpace(raw, p+1); q < len(raw) && raw[q] == '{' && objectHasObjectValue(raw, q) {
				return true
			}
		}
		i = p
	}
	return false
}

// objectHasObjectValue reports whether the JSON object that starts at
// raw[p] has a member whose value is an object (true too when the text
// ends first).
func objectHasObjectValue(raw []byte, p int) bool {
	depth := 0
	for p < len(raw) {
		switch c := raw[p]; {
		case c == '"':
			p = skipString(raw, p)
			continue
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return false
			}
		case c == ':' && depth == 1:
			if q := skipSpace(raw, p+1); q < len(raw) && raw[q] == '{' {
				return true
			}
		}
		p++
	}
	return true
}

// skipString returns the index after the JSON string that starts at
// raw[p].
func skipString(raw []byte, p int) int {
	for p++; p < len(raw); p++ {
		switch raw[p] {
		case '\\':
			p++
		case '"':
			return p + 1
		}
	}
	return p
}

func skipSpace(raw []byte, p int) int {
	for p < len(raw) && (raw[p] == ' ' || raw[p] == '\t' || raw[p] == '\n' || raw[p] == '\r') {
		p++
	}
	return p
}

// memberFunc copies the value of the member name from dec to enc, or
// returns handled=false to have it copied unchanged.
type memberFunc func(name string, dec *jsontext.Decoder, enc *jsontext.Encoder) (handled, changed bool, err error)

// copyObject copies one JSON object from dec to enc, letting member handle
// each member's value.
func copyObject(dec *jsontext.Decoder, enc *jsontext.Encoder, member memberFunc) (bool, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return false, err
	}
	if tok.Kind() != '{' {
		return false, fmt.Errorf("not an object")
	}
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return false, err
	}
	changed := false
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return false, err
		}
		n := name.String()
		if err := enc.WriteToken(jsontext.String(n)); err != nil {
			return false, err
		}
		handled, c, err := member(n, dec, enc)
		if err != nil {
			return false, err
		}
		changed = changed || c
		if handled {
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return false, err
		}
		if err := enc.WriteValue(v); err != nil {
			return false, err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return false, err
	}
	return changed, enc.WriteToken(jsontext.EndObject)
}

// statementMember handles the context of a statement and, when withSub,
// the object (a SubStatement is the only object that may have a context;
// validation refused any other before it was stored).
func statementMember(withSub bool) memberFunc {
	return func(name string, dec *jsontext.Decoder, enc *jsontext.Encoder) (bool, bool, error) {
		if dec.PeekKind() != '{' {
			return false, false, nil
		}
		switch {
		case name == "context":
			c, err := copyObject(dec, enc, contextMember)
			return true, c, err
		case name == "object" && withSub:
			c, err := copyObject(dec, enc, statementMember(false))
			return true, c, err
		}
		return false, false, nil
	}
}

func contextMember(name string, dec *jsontext.Decoder, enc *jsontext.Encoder) (bool, bool, error) {
	if name != "contextActivities" || dec.PeekKind() != '{' {
		return false, false, nil
	}
	c, err := copyObject(dec, enc, contextActivitiesMember)
	return true, c, err
}

// contextActivitiesMember writes a single Activity as an array of one.
func contextActivitiesMember(_ string, dec *jsontext.Decoder, enc *jsontext.Encoder) (bool, bool, error) {
	if dec.PeekKind() != '{' {
		return false, false, nil
	}
	v, err := dec.ReadValue()
	if err != nil {
		return false, false, err
	}
	if err := enc.WriteToken(jsontext.BeginArray); err != nil {
		return false, false, err
	}
	if err := enc.WriteValue(v); err != nil {
		return false, false, err
	}
	return true, true, enc.WriteToken(jsontext.EndArray)
}
