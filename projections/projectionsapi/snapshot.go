package projectionsapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/lrs/auth"
)

// ErrSnapshotsOff is returned by a snapshot taker when no snapshot
// directory is configured; the route answers it with 409 and a message
// naming the setting.
var ErrSnapshotsOff = errors.New("snapshots are off: start hocvu serve with --snapshot-dir (HOCVU_SNAPSHOT_DIR) to take them")

// SnapshotTaken describes a snapshot of a replica's local read models:
// the answer of POST /api/projections/snapshot.
type SnapshotTaken struct {
	// Dir is the new directory, laid out as a data directory.
	Dir string `json:"dir"`
	// TakenAt is when the snapshot started.
	TakenAt time.Time `json:"takenAt"`
	// ReadModels are the read models copied, each at its checkpoint.
	ReadModels []SnapshotModel `json:"readModels"`
	// EventStore is the sub-directory holding a copy of the embedded
	// event store, "" over KurrentDB (whose log is backed up with its own
	// procedure).
	EventStore string `json:"eventStore,omitempty"`
}

// SnapshotModel is one read model in a snapshot.
type SnapshotModel struct {
	Name string `json:"name"`
	// Dir is its sub-directory, as in a data directory.
	Dir string `json:"dir"`
	// Position is the log position (checkpoint) the copy holds; a replica
	// started on it resumes from there.
	Position string `json:"position"`
	// Commit is Position's commit, the figure /api/projections and the
	// hocvu_projection_position metric show.
	Commit uint64 `json:"commit"`
}

// MountSnapshot serves POST /api/projections/snapshot: take a snapshot of
// this replica's local read models (take decides where; never the
// request), answered with SnapshotTaken. Only operators may: HTTP Basic
// credentials with the "all" scope (401 without or with wrong ones, 403
// without the scope). 409 when take returns ErrSnapshotsOff.
func MountSnapshot(e *echo.Echo, take func(context.Context) (SnapshotTaken, error), verify httpserver.Verifier) {
	e.POST("/api/projections/snapshot", func(c echo.Context) error {
		taken, err := take(c.Request().Context())
		if errors.Is(err, ErrSnapshotsOff) {
			return echo.NewHTTPError(http.StatusConflict, err.Error())
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, taken)
	}, httpserver.BasicAuth(verify, auth.ScopeAll))
}
