package xapi

import (
	"bytes"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// Member is a top-level property SetMembers writes into a statement.
type Member struct {
	Name string
	// Value is the member's JSON value.
	Value []byte
	// IfAbsent keeps a value the statement already has.
	IfAbsent bool
}

// SetMembers rewrites the JSON object raw with members set: each replaces
// the property of that name (or, with IfAbsent, only fills it in when
// missing); new members go at the end. Everything else is copied byte for
// byte in its order, so the stored statement keeps what the client sent.
// It streams the document once instead of decoding and re-encoding it.
func SetMembers(raw []byte, members ...Member) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	var out bytes.Buffer
	out.Grow(len(raw) + 256)
	enc := jsontext.NewEncoder(&out)
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, fmt.Errorf("xapi: set members: %w", err)
	}
	if tok.Kind() != '{' {
		return nil, fmt.Errorf("xapi: set members: not an object")
	}
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return nil, err
	}
	present := make([]bool, len(members))
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, fmt.Errorf("xapi: set members: %w", err)
		}
		n := name.String()
		idx := -1
		for i, m := range members {
			if m.Name == n {
				idx = i
				break
			}
		}
		value, err := dec.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("xapi: set members: %w", err)
		}
		if idx >= 0 {
			present[idx] = true
			if !members[idx].IfAbsent {
				continue // replaced: written at the end
			}
		}
		if err := enc.WriteToken(jsontext.String(n)); err != nil {
			return nil, err
		}
		if err := enc.WriteValue(value); err != nil {
			return nil, err
		}
	}
	for i, m := range members {
		if m.IfAbsent && present[i] {
			continue
		}
		if err := enc.WriteToken(jsontext.String(m.Name)); err != nil {
			return nil, err
		}
		if err := enc.WriteValue(m.Value); err != nil {
			return nil, fmt.Errorf("xapi: set member %s: %w", m.Name, err)
		}
	}
	if err := enc.WriteToken(jsontext.EndObject); err != nil {
		return nil, err
	}
	b := out.Bytes()
	return bytes.TrimRight(b, "\n"), nil
}

// SplitArray returns the raw elements of a JSON array (each a slice of
// raw), or raw itself as the only element when it is not an array.
func SplitArray(raw []byte) ([][]byte, error) {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return [][]byte{raw}, nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	var out [][]byte
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		out = append(out, bytes.Clone(v))
	}
	return out, nil
}
