package dashboard

import (
	"errors"
	"slices"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/users"
)

// ErrForbidden is returned when a user may not see what was asked.
var ErrForbidden = errors.New("dashboard: forbidden")

// listsOwnRows are queries without a commune parameter whose rows carry a
// commune: a commune user gets only the row of its own commune.
var listsOwnRows = []string{"communes"}

// Scope applies a user's role to a named query, the one place where the
// dashboard decides what a user may read:
//
//   - a province user may run every query with any parameters;
//   - for a commune user, a query with a commune parameter is forced to
//     the user's commune (asking for another commune is ErrForbidden);
//     a query listed in listsOwnRows is answered with the user's own row;
//     any other query whose rows carry a commune (by_commune) is
//     ErrForbidden; queries without commune data (targets) are allowed.
//
// ownRows reports that the caller must also drop every row whose commune
// column is not the user's (FilterRows), as a second line of defence.
func Scope(u users.User, q analytics.Query, p *analytics.Params) (ownRows bool, err error) {
	if u.Role == users.RoleProvince {
		return false, nil
	}
	if u.Role != users.RoleCommune || u.Commune == "" {
		return false, ErrForbidden
	}
	switch {
	case slices.Contains(q.Params, "commune"):
		if p.Commune != "" && p.Commune != u.Commune {
			return false, ErrForbidden
		}
		p.Commune = u.Commune
		return true, nil
	case slices.Contains(listsOwnRows, q.Name):
		return true, nil
	case slices.Contains(q.Columns, "commune"):
		return false, ErrForbidden
	}
	return false, nil
}

// Allowed reports whether u may run query q at all (with its own commune).
func Allowed(u users.User, q analytics.Query) bool {
	var p analytics.Params
	_, err := Scope(u, q, &p)
	return err == nil
}

// FilterRows keeps the rows of res whose commune column is commune. A
// result without a commune column is returned unchanged.
func FilterRows(res *analytics.Result, commune string) *analytics.Result {
	col := slices.Index(res.Columns, "commune")
	if col < 0 {
		return res
	}
	out := &analytics.Result{Query: res.Query, Columns: res.Columns, Rows: make([][]any, 0, len(res.Rows))}
	for _, row := range res.Rows {
		if col < len(row) {
			if s, ok := row[col].(string); ok && s == commune {
				out.Rows = append(out.Rows, row)
			}
		}
	}
	return out
}

// CanSeeCommune reports whether u may see commune code's pages and report.
func CanSeeCommune(u users.User, code string) bool {
	switch u.Role {
	case users.RoleProvince:
		return true
	case users.RoleCommune:
		return u.Commune != "" && u.Commune == code
	}
	return false
}
