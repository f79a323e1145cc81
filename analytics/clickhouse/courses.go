package clickhouse

import (
	"context"
	"fmt"

	"github.com/hocvu/hocvu/analytics"
)

// writeCourseNames appends the batch's course names. A batch written
// again after a crash appends the same rows, which change nothing.
func (e *Engine) writeCourseNames(ctx context.Context, names []analytics.CourseName) error {
	if len(names) == 0 {
		return nil
	}
	batch, err := e.db.conn.PrepareBatch(ctx, "INSERT INTO course_names (course_id, lang, name, event_position)")
	if err != nil {
		return fmt.Errorf("clickhouse: prepare course names: %w", err)
	}
	for _, n := range names {
		if err := batch.Append(n.CourseID, n.Lang, n.Name, n.Position); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("clickhouse: append course name: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: insert %d course names: %w", len(names), err)
	}
	return nil
}

// Courses implements analytics.Counter: the courses of agg_monthly (which
// is rebuilt without voided statements) and those with a learned name.
func (e *Engine) Courses(ctx context.Context) ([]analytics.DimCourse, error) {
	ids, err := e.strings(ctx, "SELECT DISTINCT course_id FROM agg_monthly WHERE course_id != ''")
	if err != nil {
		return nil, err
	}
	rows, err := e.db.conn.Query(ctx, "SELECT course_id, lang, argMax(name, event_position), max(event_position) FROM course_names GROUP BY course_id, lang")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read course names: %w", err)
	}
	defer rows.Close()
	var names []analytics.CourseName
	for rows.Next() {
		var n analytics.CourseName
		if err := rows.Scan(&n.CourseID, &n.Lang, &n.Name, &n.Position); err != nil {
			return nil, fmt.Errorf("clickhouse: read course names: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: read course names: %w", err)
	}
	return analytics.MergeCourses(ids, names), nil
}
