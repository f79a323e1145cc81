package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/schemas"
)

// putStatement serves PUT /xapi/statements?statementId=: one statement
// with the given id; 204 when stored or already stored identically.
func (a *API) putStatement(c echo.Context) error {
	const op = "put statement"
	for k := range c.QueryParams() {
		if k != "statementId" {
			return a.fail(c, invalid(op, "unknown parameter %q (PUT takes only statementId)", k))
		}
	}
	idParam := c.QueryParam("statementId")
	if idParam == "" {
		return a.fail(c, invalid(op, "statementId is required"))
	}
	id, err := uuid.Parse(idParam)
	if err != nil {
		return a.fail(c, invalid(op, "statementId %q is not a UUID", idParam))
	}
	if _, err := a.store(c, op, &id); err != nil {
		return a.fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// postStatements serves POST /xapi/statements: one statement or an array,
// stored all or nothing; answers the ids in order.
func (a *API) postStatements(c echo.Context) error {
	const op = "post statements"
	for k := range c.QueryParams() {
		return a.fail(c, invalid(op, "unknown parameter %q (POST takes no parameters)", k))
	}
	ids, err := a.store(c, op, nil)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, ids)
}

// store reads, validates and stores the statements of a PUT (putID set)
// or POST. It returns once they are durable and visible to GET.
func (a *API) store(c echo.Context, op string, putID *uuid.UUID) ([]string, error) {
	req := c.Request()
	ctx := req.Context()
	v := version(c)
	cred := credential(c)
	body := http.MaxBytesReader(c.Response(), req.Body, a.limits.MaxBody)
	parsed, err := attachments.Parse(ctx, req.Header.Get(echo.HeaderContentType), body, attachments.Limits{MaxBytes: a.limits.MaxBody, TempDir: a.tempDir})
	if err != nil {
		return nil, bodyError(op, err)
	}
	defer parsed.Close()

	// Depth first (constant memory), then repeated property names.
	if ps := xapi.CheckJSON(parsed.Statements); len(ps) > 0 {
		return nil, &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "the JSON is refused: " + describe(ps[0]), Problems: problems("", ps)}
	}
	doc, err := xapi.Decode(parsed.Statements)
	if err != nil {
		return nil, invalid(op, "the body is not valid JSON: %v", err)
	}
	var list []map[string]any
	switch d := doc.(type) {
	case map[string]any:
		list = []map[string]any{d}
	case []any:
		if putID != nil {
			return nil, invalid(op, "PUT takes one statement, not an array")
		}
		if len(d) == 0 {
			return nil, invalid(op, "the array of statements is empty")
		}
		if len(d) > a.limits.MaxBatch {
			return nil, lrs.Errorf(lrs.KindTooLarge, op, "%d statements in one request; the limit is %d", len(d), a.limits.MaxBatch)
		}
		for i, e := range d {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, invalid(op, "item %d of the array is not a statement object", i)
			}
			list = append(list, m)
		}
	default:
		return nil, invalid(op, "the body must be a statement object or an array of statements")
	}

	if putID != nil {
		if got, ok := list[0]["id"].(string); ok {
			if gid, err := uuid.Parse(got); err != nil || gid != *putID {
				return nil, invalid(op, "the statement's id %q differs from statementId %s", got, putID)
			}
		}
	}
	var ps []xapi.Problem
	if _, isArray := doc.([]any); isArray {
		ps = xapi.ValidateStatements(v, doc)
	} else {
		ps = xapi.ValidateStatement(v, doc)
	}
	if len(ps) > 0 {
		return nil, &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "statement rejected: " + describe(ps[0]), Problems: problems("", ps)}
	}
	if err := attachments.CheckParts(doc, parsed.Parts); err != nil {
		return nil, bodyError(op, err)
	}
	if err := attachments.CheckSignatures(doc, parsed.Parts, xapi.Equivalent); err != nil {
		return nil, bodyError(op, err)
	}
	// Attachment data is made durable before the events that refer to it.
	for _, p := range parsed.Parts {
		r, err := p.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		err = a.blobs.Put(ctx, p.SHA2, r)
		_ = r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: store attachment %s: %w", op, p.SHA2, err)
		}
	}

	authority := cred.Authority()
	defaultVersion := "2.0.0"
	if v == schemas.V103 {
		defaultVersion = "1.0.0"
	}
	sts := make([]lrs.Statement, len(list))
	assigned := make([]bool, len(list))
	for i, st := range list {
		if putID != nil {
			st["id"] = putID.String()
		} else if _, ok := st["id"]; !ok {
			st["id"] = uuid.NewString()
			assigned[i] = true
		}
		st["authority"] = authority
		if _, ok := st["version"]; !ok {
			st["version"] = defaultVersion
		}
		sts[i] = st
	}
	raw, err := xapi.SplitArray(parsed.Statements)
	if err != nil || len(raw) != len(sts) {
		raw = nil // stored from the decoded statements instead
	}
	res, err := a.writer.Store(ctx, &lrs.StoreRequest{
		Statements: sts, Raw: raw, Assigned: assigned, Credential: cred.Key, XAPIVersion: string(v), Define: cred.Has(auth.ScopeDefine),
	})
	if err != nil {
		return nil, err
	}
	if !res.Position.IsStart() {
		wctx, cancel := context.WithTimeout(ctx, a.limits.VisibleWithin)
		err := a.visibility.WaitFor(wctx, res.Position)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			// Stored and durable: answer, rather than hold the client
			// while the statement index lags (or is stuck).
			a.log.Warn("statements stored but not yet visible to queries; answering without waiting longer",
				"op", op, "position", res.Position.String(), "waited", a.limits.VisibleWithin)
		default:
			return nil, fmt.Errorf("%s: stored, but waiting for it to become visible: %w", op, err)
		}
	}
	return res.IDs, nil
}

// describe renders a problem for an error message.
func describe(p xapi.Problem) string {
	if p.Path == "" {
		return fmt.Sprintf("%s (%s)", p.Message, p.Rule)
	}
	return fmt.Sprintf("%s: %s (%s)", p.Path, p.Message, p.Rule)
}

// bodyError maps a body reading or attachment error to an LRS error.
func bodyError(op string, err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return lrs.Errorf(lrs.KindTooLarge, op, "the request body is larger than the %d bytes allowed", mbe.Limit)
	}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return echo.NewHTTPError(http.StatusRequestTimeout, op+": the request body arrived too slowly; send it faster or in smaller requests").SetInternal(err)
	}
	var ae *attachments.Error
	if errors.As(err, &ae) {
		le := &lrs.Error{Op: op, Msg: ae.Error(), Err: err}
		switch ae.Kind {
		case attachments.KindTooLarge:
			le.Kind = lrs.KindTooLarge
		default:
			le.Kind = lrs.KindInvalid
		}
		return le
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return lrs.Errorf(lrs.KindInvalid, op, "the request body ended before it was complete (short of its Content-Length, or cut)")
	}
	return fmt.Errorf("%s: %w", op, err)
}
