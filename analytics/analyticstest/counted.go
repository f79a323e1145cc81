package analyticstest

import (
	"strings"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
)

// Row is one statement that counts (not voided; voiding statements
// included), as the reference sees it: the input of reference answers to
// ad-hoc SQL, such as the example queries of docs/analytics.md.
type Row struct {
	Date                       string // local (UTC+7) date, 2006-01-02
	Month                      uint32 // YYYYMM of Date
	Commune, Group, Course     string
	Verb, ActivityType, Object string
	Actor                      uint64 // 0 for an anonymous group
	Duration, Expected         float64
}

// Counted returns the statements that count, in log order, attributed as
// the projection attributes them.
func (d *Dataset) Counted(ps *analytics.Pseudonymizer) ([]Row, error) {
	voidingIDs, targets := map[string]bool{}, map[string]bool{}
	for _, st := range d.Statements {
		if isVoiding(st) {
			voidingIDs[strings.ToLower(st["id"].(string))] = true
			targets[strings.ToLower(st["object"].(map[string]any)["id"].(string))] = true
		}
	}
	var out []Row
	ref := reference.NewState()
	for i, e := range d.entries {
		if e.ref != nil {
			if err := ref.Apply(&d.Events[i]); err != nil {
				return nil, err
			}
			continue
		}
		st := d.Statements[e.statement]
		id := strings.ToLower(st["id"].(string))
		if targets[id] && !voidingIDs[id] {
			continue
		}
		r := toRow(st, ps, ref)
		local := r.ts.In(analytics.Local)
		out = append(out, Row{
			Date: local.Format(time.DateOnly), Month: uint32(local.Year()*100 + int(local.Month())),
			Commune: r.commune, Group: r.group, Course: r.course,
			Verb: r.verb, ActivityType: r.activityType, Object: r.object,
			Actor: r.actor, Duration: r.duration, Expected: r.expected,
		})
	}
	return out, nil
}
