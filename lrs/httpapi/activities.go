package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// getActivity serves GET and HEAD /xapi/activities?activityId=: the
// Activity with the canonical definition the LRS has learned from
// statements stored with the "define" scope, or just its id when it knows
// none (1.0.3 Communication 2.5, 2.0 4.1.6.4).
func (a *API) getActivity(c echo.Context) error {
	const op = "get activity"
	vals := c.QueryParams()
	for k, vs := range vals {
		if k != "activityId" {
			return a.fail(c, invalid(op, "unknown parameter %q (the Activities resource takes only activityId)", k))
		}
		if len(vs) > 1 {
			return a.fail(c, invalid(op, "parameter %q given more than once", k))
		}
	}
	id := vals.Get("activityId")
	if id == "" {
		return a.fail(c, invalid(op, "activityId is required"))
	}
	if ps := xapi.ValidateActivityID(id); len(ps) > 0 {
		return a.fail(c, invalid(op, "activityId %q is not an IRI: %s", id, ps[0].Message))
	}
	obj, err := a.documents.Activity(c.Request().Context(), id)
	if err != nil {
		return a.fail(c, err)
	}
	if c.Request().Method == http.MethodHead {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		return c.NoContent(http.StatusOK)
	}
	return c.JSON(http.StatusOK, obj)
}
