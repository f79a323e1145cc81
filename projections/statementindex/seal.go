package statementindex

import (
	"bytes"
	"context"
	"strings"

	"github.com/hocvu/hocvu/lrs/xapi"
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
}

// SealWith makes the index seal what it keeps (Sealer). Call it before the
// index applies or serves anything; an index built without a sealer must
// be rebuilt once one is given, and the other way round.
func (ix *Index) SealWith(s Sealer) { ix.sealer = s }

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
