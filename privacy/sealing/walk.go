package sealing

import (
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// agentFunc rewrites one Agent or Group value.
type agentFunc func(v jsontext.Value) (jsontext.Value, error)

// memberFunc returns the replacement of one member of an object, or v
// itself to keep it.
type memberFunc func(name string, v jsontext.Value) (jsontext.Value, error)

// rewriteObject returns the JSON object raw with each member's value
// passed through member. Values member returns unchanged (the same slice)
// are not re-encoded: the result is raw with the changed values spliced
// in, and raw itself when nothing changed. A value that is not an object
// is returned as it is.
func rewriteObject(raw jsontext.Value, member memberFunc) (jsontext.Value, error) {
	if raw.Kind() != '{' {
		return raw, nil
	}
	return splice(raw, func(dec *jsontext.Decoder, replace func(v, nv jsontext.Value)) error {
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return err
			}
			n := name.String() // before ReadValue, which voids the token
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			nv, err := member(n, v)
			if err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			replace(v, nv)
		}
		return nil
	})
}

// rewriteArray is rewriteObject for the elements of a JSON array.
func rewriteArray(raw jsontext.Value, fn func(v jsontext.Value) (jsontext.Value, error)) (jsontext.Value, error) {
	if raw.Kind() != '[' {
		return raw, nil
	}
	return splice(raw, func(dec *jsontext.Decoder, replace func(v, nv jsontext.Value)) error {
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		for i := 0; dec.PeekKind() != ']'; i++ {
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			nv, err := fn(v)
			if err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
			replace(v, nv)
		}
		return nil
	})
}

// rewriteStatement passes every agent of a statement or SubStatement
// through fn: actor, an Agent or Group object, the context's instructor,
// team, contextAgents[].agent and contextGroups[].group, and the same in a
// SubStatement object. The authority is left alone.
func rewriteStatement(raw jsontext.Value, fn agentFunc) (jsontext.Value, error) {
	return rewriteObject(raw, func(name string, v jsontext.Value) (jsontext.Value, error) {
		switch name {
		case "actor":
			return ifObject(v, fn)
		case "object":
			switch objectType(v) {
			case "Agent", "Group":
				return ifObject(v, fn)
			case "SubStatement":
				return rewriteStatement(v, fn)
			}
		case "context":
			return rewriteContext(v, fn)
		}
		return v, nil
	})
}

// rewriteContext passes the agents of a statement's context through fn.
func rewriteContext(raw jsontext.Value, fn agentFunc) (jsontext.Value, error) {
	return rewriteObject(raw, func(name string, v jsontext.Value) (jsontext.Value, error) {
		switch name {
		case "instructor", "team":
			return ifObject(v, fn)
		case "contextAgents":
			return rewriteArray(v, func(item jsontext.Value) (jsontext.Value, error) {
				return rewriteObject(item, inMember("agent", fn))
			})
		case "contextGroups":
			return rewriteArray(v, func(item jsontext.Value) (jsontext.Value, error) {
				return rewriteObject(item, inMember("group", fn))
			})
		}
		return v, nil
	})
}

// inMember applies fn to the member called want of an object.
func inMember(want string, fn agentFunc) memberFunc {
	return func(name string, v jsontext.Value) (jsontext.Value, error) {
		if name == want {
			return ifObject(v, fn)
		}
		return v, nil
	}
}

// ifObject applies fn to v when v is an object (validation has refused
// anything else at the write; a reader is lenient).
func ifObject(v jsontext.Value, fn agentFunc) (jsontext.Value, error) {
	if v.Kind() != '{' {
		return v, nil
	}
	return fn(v)
}

// objectType returns the objectType of an object value ("" when absent or
// not an object).
func objectType(v jsontext.Value) string {
	if v.Kind() != '{' {
		return ""
	}
	var t struct {
		ObjectType string `json:"objectType"`
	}
	if err := json.Unmarshal(v, &t, lenient...); err != nil {
		return ""
	}
	return t.ObjectType
}

// lenient reads what the LRS stored without refusing a repeated name or
// invalid UTF-8 that an old statement may hold.
var lenient = []json.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}
