// Package docs embeds the documentation in this folder (the *.md files),
// so that a running Hocvu can serve it offline (GET /docs/, see frontdoor).
package docs

import (
	"embed"
	"io/fs"
	"slices"
	"strings"
)

//go:embed *.md
var files embed.FS

// FS holds the documents, by file name ("analytics.md").
func FS() fs.FS { return files }

// Names lists the documents' file names, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}
