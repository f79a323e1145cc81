package httpapi

import (
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

// store reads the body of a PUT (putID set) or POST of statements and
// hands it to the statement service, which applies the xAPI rules and
// stores the statements. It returns their ids once they are durable and
// visible to GET.
func (a *API) store(c echo.Context, op string, putID *uuid.UUID) ([]string, error) {
	req := c.Request()
	ctx := req.Context()
	body := http.MaxBytesReader(c.Response(), req.Body, a.limits.MaxBody)
	parsed, err := attachments.Parse(ctx, req.Header.Get(echo.HeaderContentType), body, attachments.Limits{MaxBytes: a.limits.MaxBody, TempDir: a.tempDir})
	if err != nil {
		return nil, bodyError(op, err)
	}
	defer parsed.Close()
	cred := credential(c)
	return a.statementService.Store(ctx, &lrs.Submission{
		Statements: parsed.Statements, Parts: parsed.Parts, PutID: putID, Version: version(c),
		Authority: cred.Authority(), Credential: cred.Key, Define: cred.Has(auth.ScopeDefine),
	})
}

// bodyError maps an error of reading the body (attachments.Parse) to an
// LRS error, or to 408 when the body came too slowly.
func bodyError(op string, err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return lrs.Errorf(lrs.KindTooLarge, op, "the request body is larger than the %d bytes allowed", mbe.Limit)
	}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return echo.NewHTTPError(http.StatusRequestTimeout, op+": the request body arrived too slowly; send it faster or in smaller requests").SetInternal(err)
	}
	if errors.As(err, new(*attachments.Error)) {
		return lrs.ErrorFromAttachments(op, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return lrs.Errorf(lrs.KindInvalid, op, "the request body ended before it was complete (short of its Content-Length, or cut)")
	}
	return fmt.Errorf("%s: %w", op, err)
}
