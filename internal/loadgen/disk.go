package loadgen

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// diskUsage is the size of a data directory's files by part.
type diskUsage struct {
	Events int64 // the embedded event store (events/)
	Index  int64 // the statement index (index/)
	Other  int64 // every other read model and file (activity definitions, documents, analytics.duckdb, …)
}

func (d diskUsage) total() int64 { return d.Events + d.Index + d.Other }

// measureDisk adds up the sizes of the files under dir (their lengths,
// not the blocks they take).
func measureDisk(dir string) (diskUsage, error) {
	var d diskUsage
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch top, _, _ := strings.Cut(filepath.ToSlash(rel), "/"); top {
		case "events":
			d.Events += info.Size()
		case "index":
			d.Index += info.Size()
		default:
			d.Other += info.Size()
		}
		return nil
	})
	return d, err
}
