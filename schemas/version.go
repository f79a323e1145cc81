package schemas

import (
	"fmt"
	"strconv"
	"strings"
)

// Version selects the rule set that a document is validated against.
type Version string

// The two rule sets. Every 1.0.x request is validated with the 1.0.3 rules,
// since the statement data model is the same in all 1.0.x versions
// (Data 2.4.10). Under V200 a statement's own "version" property may be
// 2.0.x or 1.0.x, so that statements first recorded under 1.0.x (and so
// carrying 1.0.0) can still be sent again; V103 allows only 1.0 and 1.0.x.
const (
	V103 Version = "1.0.3"
	V200 Version = "2.0.0"
)

// Valid reports whether v is one of the known versions.
func (v Version) Valid() bool { return v == V103 || v == V200 }

// ParseVersion maps an X-Experience-API-Version header value to a rule set:
// "1.0" and "1.0.<n>" give V103, "2.0" and "2.0.<n>" give V200. Anything else
// is an error; the caller answers 400 Bad Request.
func ParseVersion(header string) (Version, error) {
	h := strings.TrimSpace(header)
	for prefix, v := range map[string]Version{"1.0": V103, "2.0": V200} {
		if h == prefix {
			return v, nil
		}
		if patch, ok := strings.CutPrefix(h, prefix+"."); ok {
			if _, err := strconv.ParseUint(patch, 10, 32); err == nil {
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("unsupported xAPI version %q: use 1.0.x or 2.0.x", header)
}
