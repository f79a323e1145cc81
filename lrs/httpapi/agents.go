package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/lrs/documents"
)

// getAgents serves GET and HEAD /xapi/agents?agent=: the Person object of
// an Agent (1.0.3 Communication 2.4, 2.0 4.1.6.3).
func (a *API) getAgents(c echo.Context) error {
	const op = "get agents"
	vals := c.QueryParams()
	for k, vs := range vals {
		if k != "agent" {
			return a.fail(c, invalid(op, "unknown parameter %q (the Agents resource takes only agent)", k))
		}
		if len(vs) > 1 {
			return a.fail(c, invalid(op, "parameter %q given more than once", k))
		}
	}
	_, agent, err := parseAgent(op, version(c), vals.Get("agent"), vals.Has("agent"))
	if err != nil {
		return a.fail(c, err)
	}
	if c.Request().Method == http.MethodHead {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		return c.NoContent(http.StatusOK)
	}
	return c.JSON(http.StatusOK, documents.Person(agent))
}
