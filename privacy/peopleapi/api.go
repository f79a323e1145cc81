// Package peopleapi is the admin HTTP API of personal-data requests,
// under /api/people, mounted behind the "people" scope (which "all" does
// not grant: an erasure cannot be undone).
//
//	GET  /api/people/erasures    the erasures recorded, oldest first
//	POST /api/people/erasures    erase a person → 201 with the record
//	     body: {"agent": {xAPI Agent}, "reference": "ticket id"}
//	POST /api/people/export      everything kept about a person → 200,
//	     a ZIP archive (privacy/export); body: {"agent": {xAPI Agent}}
//	     (a POST, so that no identifier lands in access logs)
//
// Errors are {"error": {"status": code, "message": text}}: 400 for a
// malformed agent, 404 for a person of whom nothing is kept, 503 when
// sealing is off (erasures) or the key store cannot be reached.
package peopleapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/privacy/export"
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

// Exporter writes access exports (export.Exporter).
type Exporter interface {
	Check(ctx context.Context, agentKey string) error
	Write(ctx context.Context, w io.Writer, agentKey string, agent json.RawMessage) (export.Manifest, error)
}

// Mount installs the routes on g (which carries the authentication). A
// nil e (sealing off) answers the erasure routes with 503.
func Mount(g *echo.Group, e Eraser, x Exporter, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g.POST("/export", func(c echo.Context) error { return exportPerson(c, x, log) })
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
		id, err := parseAgent(req.Agent, "erase")
		if err != nil {
			return err
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

// parseAgent reads the agent of a request body.
func parseAgent(agent json.RawMessage, what string) (string, error) {
	if len(agent) == 0 {
		return "", echo.NewHTTPError(http.StatusBadRequest, "agent is required: the xAPI Agent of the person to "+what)
	}
	id, err := erasure.ParseAgent(agent)
	if err != nil {
		return "", echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return id, nil
}

// exportPerson answers POST /export with the person's archive.
func exportPerson(c echo.Context, x Exporter, log *slog.Logger) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxBody))
	if err != nil {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the body is larger than 64 KiB")
	}
	var req struct {
		Agent json.RawMessage `json:"agent"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "the body is not {\"agent\": {...}}: "+err.Error())
	}
	id, err := parseAgent(req.Agent, "export")
	if err != nil {
		return err
	}
	if x == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "this server cannot export")
	}
	ctx := c.Request().Context()
	if err := x.Check(ctx, id); errors.Is(err, export.ErrNothingKept) {
		return echo.NewHTTPError(http.StatusNotFound, err.Error())
	} else if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error())
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "application/zip")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="hocvu-person-export.zip"`)
	res.Header().Set(echo.HeaderCacheControl, "no-store")
	res.WriteHeader(http.StatusOK)
	m, err := x.Write(ctx, res, id, req.Agent)
	if err != nil {
		// The status is sent: the archive ends unfinished, which a ZIP
		// reader detects (no central directory).
		log.ErrorContext(ctx, "people export failed midway; the client got an unfinished archive", "err", err)
		return nil
	}
	by, _, _ := c.Request().BasicAuth()
	log.InfoContext(ctx, "people export", "by", "credential:"+by, "statements", m.Statements, "documents", m.Documents, "attachments", m.Attachments)
	return nil
}

func off() error {
	return echo.NewHTTPError(http.StatusServiceUnavailable, "sealing is off (--seal-personal-data): this LRS cannot erase anyone (docs/privacy.md)")
}
