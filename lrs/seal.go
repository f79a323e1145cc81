package lrs

import (
	"context"
	"encoding/json"
	"fmt"
)

// seal replaces the request's raw statements by sealed ones, in the
// caller's goroutine (not the ingester's): the statement as stored is then
// the sealed statement with the LRS-set properties written in, none of
// which names a person but the authority, which is not sealed. The
// decoded statements stay in clear for the checks of the ingester.
func (w *StatementWriter) seal(ctx context.Context, req *StoreRequest) error {
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
