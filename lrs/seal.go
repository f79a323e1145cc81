package lrs

import (
	"context"
	"encoding/json"
	"fmt"
)

// statementPreparer is a sealer that can make the keys of a request's
// people together before sealing (privacy/sealing.Sealer.Prepare).
type statementPreparer interface {
	Prepare(ctx context.Context, statements []Statement) error
}

// seal replaces the request's raw statements by sealed ones, in the
// caller's goroutine (not the ingester's): the statement as stored is then
// the sealed statement with the LRS-set properties written in, none of
// which names a person but the authority, which is not sealed. The
// decoded statements stay in clear for the checks of the ingester.
func (w *StatementWriter) seal(ctx context.Context, req *StoreRequest) error {
	if p, ok := w.sealer.(statementPreparer); ok {
		if err := p.Prepare(ctx, req.Statements); err != nil {
			return &Error{Kind: KindUnavailable, Op: "store statements", Msg: "the keys of the statements' people could not be made", Err: err}
		}
	}
	raw := make([][]byte, len(req.Statements))
	for i, st := range req.Statements {
		b := rawOf(req, i)
		if b == nil {
			var err error
			if b, err = json.Marshal(st); err != nil {
				return fmt.Errorf("encode statement %d: %w", i, err)
			}
		}
		sealed, err := w.sealer.Seal(ctx, b)
		if err != nil {
			return &Error{Kind: KindUnavailable, Op: "store statements", Msg: fmt.Sprintf("statement %d could not be sealed", i), Err: err}
		}
		raw[i] = sealed
	}
	req.Raw = raw
	return nil
}

// AttachmentScoper names the scope a statement's attachments are kept in
// (privacy/sealing.Sealer.AttachmentScope): the id of its actor's current
// key, the key the actor is sealed under, or "" for the shared store.
type AttachmentScoper interface {
	AttachmentScope(ctx context.Context, actor map[string]any) (string, error)
}

// AttachmentScope implements AttachmentScoper with the writer's sealer;
// without one (or one that cannot), every scope is "".
func (w *StatementWriter) AttachmentScope(ctx context.Context, actor map[string]any) (string, error) {
	s, ok := w.sealer.(AttachmentScoper)
	if !ok {
		return "", nil
	}
	return s.AttachmentScope(ctx, actor)
}
