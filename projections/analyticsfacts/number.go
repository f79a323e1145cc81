package analyticsfacts

import (
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// lenientFloat decodes a JSON number into a float64 without ever failing:
// a number no float64 holds (1e400, which the LRS refuses since issue 12
// but which an older log may hold), or a value that is not a number,
// leaves it absent. One odd value must not make a whole statement
// undecodable, which would stop the projection at it.
type lenientFloat struct {
	v  float64
	ok bool
}

// UnmarshalJSONFrom implements jsonv2.UnmarshalerFrom.
func (n *lenientFloat) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	raw, err := dec.ReadValue()
	if err != nil {
		return err // malformed JSON: the statement is broken as a whole
	}
	*n = lenientFloat{}
	if raw.Kind() != '0' {
		return nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	n.v, n.ok = f, true
	return nil
}
