// Package forwardingapi is the admin HTTP API of statement forwarding,
// under /api/forwards (mounted behind the "forwards" scope), and a client
// of it for `hocvu forwards --server`.
//
//	GET    /api/forwards                         list, with progress
//	POST   /api/forwards                         create (body: forwarding.Spec) → 201
//	GET    /api/forwards/{name}                  show
//	PUT    /api/forwards/{name}                  change (body: forwarding.Spec; no secret keeps it)
//	DELETE /api/forwards/{name}                  delete → 204
//	POST   /api/forwards/{name}/pause            pause
//	POST   /api/forwards/{name}/resume           resume
//	GET    /api/forwards/{name}/dead-letters     open dead letters (?all=true: every one)
//	POST   /api/forwards/{name}/dead-letters/retry  re-drive (body: {"deadLetters": [ids]}, empty: all) → 202
//
// Create and change answer {"forward": status, "warnings": [...]}; errors
// are {"error": {"status": code, "message": text}}: 400 for a refused
// configuration, 404 for an unknown forward or dead letter, 409 when the
// name is taken.
package forwardingapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/forwarding"
)

// Admin is what the API serves (forwarding.Service).
type Admin interface {
	Create(ctx context.Context, spec forwarding.Spec) (forwarding.Status, []string, error)
	Change(ctx context.Context, nameOrID string, spec forwarding.Spec) (forwarding.Status, []string, error)
	Pause(ctx context.Context, nameOrID string) (forwarding.Status, error)
	Resume(ctx context.Context, nameOrID string) (forwarding.Status, error)
	Delete(ctx context.Context, nameOrID string) error
	List(ctx context.Context) ([]forwarding.Status, error)
	Show(ctx context.Context, nameOrID string) (forwarding.Status, error)
	DeadLetters(ctx context.Context, nameOrID string, all bool) ([]forwarding.DeadLetterState, error)
	Retry(ctx context.Context, nameOrID string, ids []string) (forwarding.RetryRequest, error)
}

// Changed is the answer to a create or a change.
type Changed struct {
	Forward  forwarding.Status `json:"forward"`
	Warnings []string          `json:"warnings"`
}

// RetryBody is the body of a retry.
type RetryBody struct {
	DeadLetters []string `json:"deadLetters"`
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// Mount installs the routes on g (which carries the authentication).
func Mount(g *echo.Group, a Admin) {
	g.GET("", func(c echo.Context) error {
		list, err := a.List(c.Request().Context())
		if err != nil {
			return httpError(err)
		}
		if list == nil {
			list = []forwarding.Status{}
		}
		return c.JSON(http.StatusOK, list)
	})
	g.POST("", func(c echo.Context) error {
		var spec forwarding.Spec
		if err := decode(c, &spec); err != nil {
			return err
		}
		st, warnings, err := a.Create(c.Request().Context(), spec)
		if err != nil {
			return httpError(err)
		}
		return c.JSON(http.StatusCreated, Changed{Forward: st, Warnings: nonNil(warnings)})
	})
	g.GET("/:name", func(c echo.Context) error {
		st, err := a.Show(c.Request().Context(), c.Param("name"))
		if err != nil {
			return httpError(err)
		}
		return c.JSON(http.StatusOK, st)
	})
	g.PUT("/:name", func(c echo.Context) error {
		var spec forwarding.Spec
		if err := decode(c, &spec); err != nil {
			return err
		}
		st, warnings, err := a.Change(c.Request().Context(), c.Param("name"), spec)
		if err != nil {
			return httpError(err)
		}
		return c.JSON(http.StatusOK, Changed{Forward: st, Warnings: nonNil(warnings)})
	})
	g.DELETE("/:name", func(c echo.Context) error {
		if err := a.Delete(c.Request().Context(), c.Param("name")); err != nil {
			return httpError(err)
		}
		return c.NoContent(http.StatusNoContent)
	})
	g.POST("/:name/pause", func(c echo.Context) error {
		st, err := a.Pause(c.Request().Context(), c.Param("name"))
		if err != nil {
			return httpError(err)
		}
		return c.JSON(http.StatusOK, st)
	})
	g.POST("/:name/resume", func(c echo.Context) error {
		st, err := a.Resume(c.Request().Context(), c.Param("name"))
		if err != nil {
			return httpError(err)
		}
		return c.JSON(http.StatusOK, st)
	})
	g.GET("/:name/dead-letters", func(c echo.Context) error {
		dls, err := a.DeadLetters(c.Request().Context(), c.Param("name"), c.QueryParam("all") == "true")
		if err != nil {
			return httpError(err)
		}
		if dls == nil {
			dls = []forwarding.DeadLetterState{}
		}
		return c.JSON(http.StatusOK, dls)
	})
	g.POST("/:name/dead-letters/retry", func(c echo.Context) error {
		var body RetryBody
		if c.Request().ContentLength != 0 {
			if err := decode(c, &body); err != nil {
				return err
			}
		}
		q, err := a.Retry(c.Request().Context(), c.Param("name"), body.DeadLetters)
		if err != nil {
			return httpError(err)
		}
		return c.JSON(http.StatusAccepted, q)
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// decode reads a JSON body strictly: unknown fields are refused.
func decode(c echo.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody+1))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "cannot read the body")
	}
	if len(body) > maxBody {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the body is larger than 1 MiB")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, forwarding.ErrInvalid) {
			return echo.NewHTTPError(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "forwarding: invalid forward: "))
		}
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("bad JSON body: %v", err))
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "bad JSON body: more than one value")
	}
	return nil
}

// httpError maps the service's errors to statuses: the one place that does.
func httpError(err error) error {
	switch {
	case errors.Is(err, forwarding.ErrInvalid):
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	case errors.Is(err, forwarding.ErrNotFound), errors.Is(err, forwarding.ErrNoDeadLetter):
		return echo.NewHTTPError(http.StatusNotFound, err.Error())
	case errors.Is(err, forwarding.ErrExists), errors.Is(err, eventstore.ErrWrongExpectedRevision):
		return echo.NewHTTPError(http.StatusConflict, err.Error())
	}
	return err
}
