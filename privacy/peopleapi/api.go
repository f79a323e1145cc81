// Package peopleapi is the admin HTTP API of personal-data requests,
// under /api/people, mounted behind the "people" scope (which "all" does
// not grant: an erasure cannot be undone).
//
//	GET  /api/people/erasures    the erasures recorded, oldest first
//	POST /api/people/erasures    erase a person → 201 with the record
//	     body: {"agent": {xAPI Agent}, "reference": "ticket id"}
//
// Errors are {"error": {"status": code, "message": text}}: 400 for a
// malformed agent, 404 for a person of whom nothing is kept, 503 when
// sealing is off or the key store cannot be reached.
package peopleapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/privacy/erasure"
)

// Eraser is what the API serves (erasure.Registry).
type Eraser interface {
	Erase(ctx context.Context, identifier, by, reference string) (erasure.Record, error)
	Records() []erasure.Record
}

// EraseBody is the body of an erasure request.
type EraseBody struct {
	Agent     json.RawMessage `json:"agent"`
	Reference string          `json:"reference"`
}

const maxBody = 64 << 10

// Mount installs the routes on g (which carries the authentication). A
// nil e (sealing off) answers every request with 503.
func Mount(g *echo.Group, e Eraser) {
	g.GET("/erasures", func(c echo.Context) error {
		if e == nil {
			return off()
		}
		recs := e.Records()
		if recs == nil {
			recs = []erasure.Record{}
		}
		return c.JSON(http.StatusOK, recs)
	})
	g.POST("/erasures", func(c echo.Context) error {
		if e == nil {
			return off()
		}
		body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxBody))
		if err != nil {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the body is larger than 64 KiB")
		}
		var req EraseBody
		if err := json.Unmarshal(body, &req); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "the body is not {\"agent\": {...}, \"reference\": \"...\"}: "+err.Error())
		}
		if len(req.Agent) == 0 {
			return echo.NewHTTPError(http.StatusBadRequest, "agent is required: the xAPI Agent of the person to erase")
		}
		id, err := erasure.ParseAgent(req.Agent)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		by, _, _ := c.Request().BasicAuth()
		rec, err := e.Erase(c.Request().Context(), id, "credential:"+by, req.Reference)
		switch {
		case errors.Is(err, erasure.ErrUnknownPerson):
			return echo.NewHTTPError(http.StatusNotFound, err.Error())
		case err != nil:
			// The key store is unreachable, or the erasure was recorded and
			// its keys could not be destroyed yet (the next start does).
			return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error())
		}
		return c.JSON(http.StatusCreated, rec)
	})
}

func off() error {
	return echo.NewHTTPError(http.StatusServiceUnavailable, "sealing is off (--seal-personal-data): this LRS cannot erase anyone (docs/privacy.md)")
}
