package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hocvu/hocvu/analytics"
)

// writeCourseNames keeps, per course and language, the name of the highest
// log position, inside the caller's transaction.
func writeCourseNames(ctx context.Context, c *sql.Conn, names []analytics.CourseName) error {
	for _, n := range names {
		if _, err := c.ExecContext(ctx, `INSERT INTO course_names (course_id, lang, name, event_position) VALUES (?, ?, ?, ?)
ON CONFLICT (course_id, lang) DO UPDATE SET name = excluded.name, event_position = excluded.event_position
WHERE excluded.event_position >= course_names.event_position`, n.CourseID, n.Lang, n.Name, n.Position); err != nil {
			return fmt.Errorf("duckdb: write course name: %w", err)
		}
	}
	return nil
}

// Courses implements analytics.Counter: the courses of the facts (which
// hold no voided statement) and those with a learned name.
func (e *Engine) Courses(ctx context.Context) ([]analytics.DimCourse, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: read courses: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	ids, err := stringsOf(ctx, tx, `SELECT DISTINCT course_id FROM statements WHERE course_id <> ''`)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT course_id, lang, name, event_position FROM course_names`)
	if err != nil {
		return nil, fmt.Errorf("duckdb: read course names: %w", err)
	}
	defer rows.Close()
	var names []analytics.CourseName
	for rows.Next() {
		var n analytics.CourseName
		if err := rows.Scan(&n.CourseID, &n.Lang, &n.Name, &n.Position); err != nil {
			return nil, fmt.Errorf("duckdb: read course names: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duckdb: read course names: %w", err)
	}
	return analytics.MergeCourses(ids, names), nil
}
