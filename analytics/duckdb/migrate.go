package duckdb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is an applied migration, as recorded in schema_migrations.
type Migration struct {
	Version   uint32
	Name      string
	AppliedAt time.Time
}

type migrationFile struct {
	version uint32
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4,})_([a-z0-9_]+)\.sql$`)

// readMigrations reads and checks every embedded migration, in version
// order.
func readMigrations(fsys fs.FS) ([]migrationFile, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("duckdb: read migrations: %w", err)
	}
	var files []migrationFile
	seen := map[uint32]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("duckdb: migration file %s: want NNNN_name.sql with name in [a-z0-9_]", e.Name())
		}
		v, err := strconv.ParseUint(m[1], 10, 32)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("duckdb: migration file %s: version must be from 1 to %d", e.Name(), uint32(1<<32-1))
		}
		name := strings.TrimSuffix(e.Name(), ".sql")
		if prev, dup := seen[uint32(v)]; dup {
			return nil, fmt.Errorf("duckdb: migrations %s and %s share version %d", prev, name, v)
		}
		seen[uint32(v)] = name
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("duckdb: read migration %s: %w", name, err)
		}
		files = append(files, migrationFile{version: uint32(v), name: name, sql: string(data)})
	}
	slices.SortFunc(files, func(a, b migrationFile) int { return int(int64(a.version) - int64(b.version)) })
	return files, nil
}

// migrate applies, in version order, each migration not yet recorded in
// schema_migrations, each in one transaction with its record: DuckDB DDL
// is transactional, so a migration is either applied and recorded or not
// at all, and its statements need not be idempotent. It returns the
// migrations it applied.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) ([]Migration, error) {
	files, err := readMigrations(fsys)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version UINTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)`); err != nil {
		return nil, fmt.Errorf("duckdb: create schema_migrations: %w", err)
	}
	var applied []Migration
	for _, f := range files {
		m, err := applyMigration(ctx, db, f)
		if err != nil {
			return applied, err
		}
		if m != nil {
			applied = append(applied, *m)
		}
	}
	return applied, nil
}

// applyMigration applies f unless it is recorded already (nil, nil).
func applyMigration(ctx context.Context, db *sql.DB, f migrationFile) (*Migration, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: migration %s: %w", f.name, err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, f.version).Scan(&n); err != nil {
		return nil, fmt.Errorf("duckdb: migration %s: %w", f.name, err)
	}
	if n > 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, f.sql); err != nil {
		return nil, fmt.Errorf("duckdb: migration %s: %w", f.name, err)
	}
	m := Migration{Version: f.version, Name: f.name, AppliedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, m.AppliedAt); err != nil {
		return nil, fmt.Errorf("duckdb: record migration %s: %w", f.name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("duckdb: commit migration %s: %w", f.name, err)
	}
	return &m, nil
}

// Migrations returns the migrations recorded in schema_migrations, by
// version.
func (e *Engine) Migrations(ctx context.Context) ([]Migration, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("duckdb: read schema_migrations: %w", err)
	}
	defer rows.Close()
	var out []Migration
	for rows.Next() {
		var m Migration
		if err := rows.Scan(&m.Version, &m.Name, &m.AppliedAt); err != nil {
			return nil, fmt.Errorf("duckdb: read schema_migrations: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
