package httpapi

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/schemas"
)

// alternateHeaders are the form fields that the alternate request syntax
// turns back into headers (xAPI 1.0.3 Communication 1.3).
var alternateHeaders = map[string]string{
	"authorization":            "Authorization",
	"x-experience-api-version": versionHeader,
	"content-type":             "Content-Type",
	"content-length":           "Content-Length",
	"if-match":                 "If-Match",
	"if-none-match":            "If-None-Match",
}

// alternateSyntax rewrites a 1.0.3 alternate-syntax request (a POST with
// ?method=X whose form carries headers, parameters and the body in
// "content") into the request it stands for, before routing. xAPI 2.0
// removed the syntax, so a request that declares 2.0 (or no version) is
// refused.
func (a *API) alternateSyntax(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if !strings.HasPrefix(req.URL.Path, "/xapi/") {
			return next(c)
		}
		q := req.URL.Query()
		method, ok := q["method"]
		if !ok {
			return next(c)
		}
		const op = "alternate request syntax"
		if req.Method != http.MethodPost {
			return a.fail(c, invalid(op, "the method parameter is only allowed on POST"))
		}
		if len(q) != 1 || len(method) != 1 {
			return a.fail(c, invalid(op, "with the method parameter every other parameter goes in the form body"))
		}
		target := strings.ToUpper(method[0])
		switch target {
		case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead:
		default:
			return a.fail(c, invalid(op, "method %q is not an HTTP method the xAPI uses", method[0]))
		}
		ct := req.Header.Get(echo.HeaderContentType)
		if !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
			return a.fail(c, invalid(op, "the body must be application/x-www-form-urlencoded"))
		}
		raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, a.limits.MaxBody))
		if err != nil {
			return a.fail(c, bodyError(op, err))
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return a.fail(c, invalid(op, "malformed form body: %v", err))
		}
		v := form.Get(versionHeader)
		if v == "" {
			v = req.Header.Get(versionHeader)
		}
		if pv, err := schemas.ParseVersion(v); err != nil || pv != schemas.V103 {
			return a.fail(c, invalid(op, "the alternate request syntax exists only in xAPI 1.0.x; xAPI 2.0 removed it"))
		}
		params := url.Values{}
		var content string
		hasContent := false
		for k, vs := range form {
			if h, ok := alternateHeaders[strings.ToLower(k)]; ok {
				req.Header.Set(h, vs[0])
				continue
			}
			if k == "content" {
				content, hasContent = vs[0], true
				continue
			}
			params[k] = vs
		}
		if (target == http.MethodPut || target == http.MethodPost) && !hasContent {
			return a.fail(c, invalid(op, "a %s needs its body in the form field \"content\"", target))
		}
		if req.Header.Get(echo.HeaderContentType) == ct {
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		}
		req.Method = target
		req.URL.RawQuery = params.Encode()
		req.Body = io.NopCloser(strings.NewReader(content))
		req.ContentLength = int64(len(content))
		req.Header.Set("Content-Length", strconv.Itoa(len(content)))
		return next(c)
	}
}
