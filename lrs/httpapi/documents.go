package httpapi

import "github.com/labstack/echo/v4"

// DocumentService serves the document resources (State, Activity Profile,
// Agent Profile) and the Activities and Agents resources.
type DocumentService interface{}

// mountDocuments installs the document, Activities and Agents routes on the
// authenticated, versioned group.
func (a *API) mountDocuments(g *echo.Group) {}
