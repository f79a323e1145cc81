package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// SupportedVersions are the xAPI versions this LRS implements, newest last.
var SupportedVersions = []string{"1.0.3", "2.0.0"}

// BuildInfo describes the running build for the About resource.
type BuildInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// aboutExtension is the IRI under which About reports the build.
const aboutExtension = "https://github.com/hocvu/hocvu/xapi/about/build"

// about serves GET /xapi/about. The About resource needs neither
// credentials nor a version header (xAPI 1.0.3 §7.7, 2.0 §2.1.3 "About").
func (a *API) about(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{
		"version": SupportedVersions,
		"extensions": map[string]any{
			aboutExtension: a.build,
		},
	})
}
