package schemas_test

import (
	"testing"

	"github.com/hocvu/hocvu/schemas"
)

func TestParseVersion(t *testing.T) {
	for header, want := range map[string]schemas.Version{
		"1.0": schemas.V103, "1.0.0": schemas.V103, "1.0.1": schemas.V103, "1.0.3": schemas.V103, " 1.0.3 ": schemas.V103,
		"1.0.9": schemas.V103, "2.0": schemas.V200, "2.0.0": schemas.V200, "2.0.1": schemas.V200,
	} {
		got, err := schemas.ParseVersion(header)
		if err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q", header, got, err, want)
		}
	}
	for _, header := range []string{"", "0.95", "0.9", "1", "1.1", "1.1.0", "1.0.x", "1.0.", "2.1.0", "3.0.0", "1.0.3-beta", "v1.0.3"} {
		if v, err := schemas.ParseVersion(header); err == nil {
			t.Errorf("ParseVersion(%q) = %q, want an error", header, v)
		}
	}
	if !schemas.V103.Valid() || !schemas.V200.Valid() || schemas.Version("1.0.0").Valid() {
		t.Error("Valid")
	}
}
