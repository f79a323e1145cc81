package statementindex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// Sealer seals and opens the people in statements (privacy/sealing.Sealer).
// With one, the index keeps every statement sealed, including those the
// log holds in clear from before sealing, lists agents under their
// subjects (keyed hashes), and opens statements as it returns them.
type Sealer interface {
	Seal(ctx context.Context, statement []byte) ([]byte, error)
	Open(ctx context.Context, statement []byte) ([]byte, error)
	// AgentKey maps an agent key in clear to its sealed form
	// (xapi.SubjectKey of its keyed hash).
	AgentKey(key string) string
	// SealedActor returns the subject and key id of a sealed statement's
	// actor ("" when it is not sealed): the key id is the scope of the
	// statement's attachments.
	SealedActor(statement []byte) (subject, keyID string)
}

// ErrSealingChanged is returned by UseSealer for an index built with
// sealing on when it is now off, or the other way round.
var ErrSealingChanged = errors.New("statementindex: the index was built with sealing the other way; rebuild it (hocvu projections rebuild statement-index)")

// UseSealer makes the index seal what it keeps (s non-nil) or keep
// statements as the log holds them (nil). Call it once, before the index
// applies or serves anything. An index built one way cannot be used the
// other way (ErrSealingChanged): its records and postings would mix.
func (ix *Index) UseSealer(s Sealer) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	mode, err := ix.builtMode()
	if err != nil {
		return err
	}
	want := modeClear
	if s != nil {
		want = modeSealed
	}
	if mode != "" && mode != want {
		return fmt.Errorf("%w: built %s, asked %s", ErrSealingChanged, mode, want)
	}
	ix.sealer = s
	return nil
}

// The index's sealing modes, kept under tagMode from its first batch.
const (
	modeClear  = "clear"
	modeSealed = "sealed"
)

// builtMode is the mode the index was built in ("" when it is empty). An
// index from before modes were recorded is clear.
func (ix *Index) builtMode() (string, error) {
	v, closer, err := ix.db.Get([]byte{tagMode})
	switch {
	case err == nil:
		mode := string(v)
		_ = closer.Close()
		return mode, nil
	case !errors.Is(err, pebblemodel.ErrNotFound):
		return "", fmt.Errorf("statementindex: read the sealing mode: %w", err)
	case ix.meta.NextSeq > 1:
		return modeClear, nil
	}
	return "", nil
}

// mode is the mode this index writes in.
func (ix *Index) mode() string {
	if ix.sealer != nil {
		return modeSealed
	}
	return modeClear
}

var sealedMarker = []byte(`"` + xapi.SealedMember + `"`)

// isSealed reports whether a statement holds sealed agents already.
func isSealed(statement []byte) bool { return bytes.Contains(statement, sealedMarker) }

// agentMapper maps agent keys to what the index lists them under.
type agentMapper func(string) string

// mapAgentKey maps k unless it is a sealed agent's key already.
func (m agentMapper) key(k string) string {
	if m == nil || strings.HasPrefix(k, "subject:") {
		return k
	}
	return m(k)
}

// mapper is the index's agentMapper (nil without a sealer).
func (ix *Index) mapper() agentMapper {
	if ix.sealer == nil {
		return nil
	}
	return ix.sealer.AgentKey
}
