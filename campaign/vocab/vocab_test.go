package vocab_test

import (
	"testing"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// The campaign names the voiding verb too; it must be the one the LRS
// treats as voiding.
func TestVerbVoidedIsTheLRSs(t *testing.T) {
	if vocab.VerbVoided != xapi.VerbVoided {
		t.Fatalf("vocab.VerbVoided = %q, lrs/xapi voids with %q", vocab.VerbVoided, xapi.VerbVoided)
	}
}
