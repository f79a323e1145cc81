package clickhouse

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

//go:embed migrations
var embedded embed.FS

// Migrations returns the migrations embedded in the binary: the files of
// the migrations/ folder of this package.
func Migrations() fs.FS {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		panic(err) // cannot happen: the folder is embedded
	}
	return sub
}

// ErrLockLost reports that another process broke this run's migration lock,
// taking it for stale. The run stops before its next statement.
var ErrLockLost = errors.New("clickhouse: migration lock lost")

// MigrationError is a statement of a migration that the server refused.
// The migration is not recorded, so the next run tries it again from its
// first statement.
type MigrationError struct {
	File      string // e.g. 0003_checkpoints.sql
	Statement int    // from 1, in the file
	SQL       string
	Err       error // the server's error
}

func (e *MigrationError) Error() string {
	return fmt.Sprintf("clickhouse: migration %s, statement %d (%s) refused: %v", e.File, e.Statement, abbreviate(e.SQL, 160), e.Err)
}

func (e *MigrationError) Unwrap() error { return e.Err }

// abbreviate returns sql without comment lines, on one line, cut to about
// n bytes.
func abbreviate(sql string, n int) string {
	var words []string
	for _, line := range strings.Split(sql, "\n") {
		if t := strings.TrimSpace(line); !strings.HasPrefix(t, "--") {
			words = append(words, strings.Fields(t)...)
		}
	}
	s := strings.Join(words, " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Migration is a migration recorded in schema_migrations.
type Migration struct {
	Version   uint32
	Name      string // the file name without .sql, e.g. 0001_facts
	AppliedAt time.Time
}

const (
	migrationsTable = "schema_migrations"
	lockTable       = "schema_migrations_lock"
)

// Migrate applies the embedded migrations ([Migrations]) that are not yet
// recorded, in version order, and returns the names of those it applied.
// See the package documentation for the file format and the concurrency
// guarantees.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	return db.MigrateFS(ctx, Migrations())
}

// MigrateFS is [DB.Migrate] with the migrations read from the root of fsys:
// every NNNN_name.sql file; other files are ignored, and a .sql file with
// another name is an error.
func (db *DB) MigrateFS(ctx context.Context, fsys fs.FS) (applied []string, err error) {
	files, err := readMigrations(fsys)
	if err != nil {
		return nil, err
	}
	// Fast path without the lock: everything is already recorded.
	done, err := db.appliedVersions(ctx)
	if err != nil && exceptionCode(err) != codeUnknownTable {
		return nil, err
	}
	if err == nil && pending(files, done) == 0 {
		return nil, nil
	}

	lock, err := db.acquireLock(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := lock.release(); rerr != nil && err == nil {
			err = rerr
		}
	}()

	if err := db.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+migrationsTable+` (
	version UInt32,
	name String,
	applied_at DateTime
) ENGINE = MergeTree ORDER BY version`); err != nil {
		return nil, fmt.Errorf("clickhouse: create %s: %w", migrationsTable, err)
	}
	if done, err = db.appliedVersions(ctx); err != nil {
		return nil, err
	}
	for _, m := range files {
		if done[m.version] {
			continue
		}
		for i, stmt := range m.statements {
			if err := lock.check(); err != nil {
				return applied, err
			}
			if err := db.conn.Exec(ctx, stmt); err != nil {
				return applied, &MigrationError{File: m.name + ".sql", Statement: i + 1, SQL: stmt, Err: err}
			}
		}
		if err := lock.check(); err != nil {
			return applied, err
		}
		if err := db.record(ctx, m); err != nil {
			return applied, err
		}
		db.log.Info("clickhouse: applied migration", "database", db.database, "migration", m.name)
		applied = append(applied, m.name)
	}
	return applied, nil
}

// Applied returns the migrations recorded in schema_migrations, by version;
// none when the table does not exist yet.
func (db *DB) Applied(ctx context.Context) ([]Migration, error) {
	rows, err := db.conn.Query(ctx, `SELECT version, any(name), min(applied_at) FROM `+migrationsTable+` GROUP BY version ORDER BY version`)
	if exceptionCode(err) == codeUnknownTable {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read %s: %w", migrationsTable, err)
	}
	defer rows.Close()
	var out []Migration
	for rows.Next() {
		var m Migration
		if err := rows.Scan(&m.Version, &m.Name, &m.AppliedAt); err != nil {
			return nil, fmt.Errorf("clickhouse: read %s: %w", migrationsTable, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: read %s: %w", migrationsTable, err)
	}
	return out, nil
}

func (db *DB) appliedVersions(ctx context.Context) (map[uint32]bool, error) {
	rows, err := db.conn.Query(ctx, `SELECT DISTINCT version FROM `+migrationsTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

func (db *DB) record(ctx context.Context, m migrationFile) error {
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+migrationsTable+` (version, name, applied_at)`)
	if err != nil {
		return fmt.Errorf("clickhouse: record migration %s: %w", m.name, err)
	}
	if err := batch.Append(m.version, m.name, time.Now().UTC().Truncate(time.Second)); err != nil {
		_ = batch.Abort()
		return fmt.Errorf("clickhouse: record migration %s: %w", m.name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: record migration %s: %w", m.name, err)
	}
	return nil
}

func pending(files []migrationFile, done map[uint32]bool) int {
	n := 0
	for _, m := range files {
		if !done[m.version] {
			n++
		}
	}
	return n
}

type migrationFile struct {
	version    uint32
	name       string
	statements []string
}

var migrationName = regexp.MustCompile(`^([0-9]{4,})_([a-z0-9_]+)\.sql$`)

// readMigrations reads and checks every migration before any is applied.
func readMigrations(fsys fs.FS) ([]migrationFile, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read migrations: %w", err)
	}
	var files []migrationFile
	seen := map[uint32]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		match := migrationName.FindStringSubmatch(e.Name())
		if match == nil {
			return nil, fmt.Errorf("clickhouse: migration file %s: want NNNN_name.sql with name in [a-z0-9_]", e.Name())
		}
		v, err := strconv.ParseUint(match[1], 10, 32)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("clickhouse: migration file %s: version must be from 1 to %d", e.Name(), uint32(1<<32-1))
		}
		name := strings.TrimSuffix(e.Name(), ".sql")
		if prev, dup := seen[uint32(v)]; dup {
			return nil, fmt.Errorf("clickhouse: migrations %s and %s share version %d", prev, name, v)
		}
		seen[uint32(v)] = name
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("clickhouse: read migration %s: %w", name, err)
		}
		stmts := splitStatements(string(data))
		if len(stmts) == 0 {
			return nil, fmt.Errorf("clickhouse: migration %s has no statement", name)
		}
		files = append(files, migrationFile{version: uint32(v), name: name, statements: stmts})
	}
	slices.SortFunc(files, func(a, b migrationFile) int { return int(int64(a.version) - int64(b.version)) })
	return files, nil
}

// splitStatements splits a migration at lines that hold only ";". Parts
// that hold nothing but blank lines and -- comments are dropped, and so is a
// ";" that ends a statement's last line.
func splitStatements(sql string) []string {
	var (
		out []string
		cur []string
	)
	flush := func() {
		stmt := strings.TrimSpace(strings.Join(cur, "\n"))
		cur = cur[:0]
		if onlyComments(stmt) {
			return
		}
		out = append(out, strings.TrimSpace(strings.TrimSuffix(stmt, ";")))
	}
	for _, line := range strings.Split(strings.ReplaceAll(sql, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == ";" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

func onlyComments(stmt string) bool {
	for _, line := range strings.Split(stmt, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			return false
		}
	}
	return true
}

// migrationLock is the table schema_migrations_lock, held by one run.
type migrationLock struct {
	db    *DB
	owner string
	stop  chan struct{}
	wg    sync.WaitGroup

	mu   sync.Mutex
	lost error
}

// acquireLock creates the lock table, waiting while another run holds it
// and breaking it when its heartbeat stops for LockStaleAfter.
func (db *DB) acquireLock(ctx context.Context) (*migrationLock, error) {
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), randomHex(4))
	var (
		seen      string // the holder's last observed heartbeat
		seenSince time.Time
		wait      = 20 * time.Millisecond
	)
	// fail reports err, or the wait that ctx cut short: a deadline can
	// surface as a network error of whatever call was running.
	fail := func(err error) (*migrationLock, error) {
		cerr := ctx.Err()
		if dl, ok := ctx.Deadline(); cerr == nil && ok && !time.Now().Before(dl) {
			// The driver's read deadline is ctx's and can fire before
			// ctx reports it, on a loaded machine.
			cerr = context.DeadlineExceeded
		}
		if cerr != nil {
			return nil, fmt.Errorf("clickhouse: waiting for the migration lock (held by %s): %w", seen, cerr)
		}
		return nil, fmt.Errorf("clickhouse: migration lock: %w", err)
	}
	for {
		err := db.conn.Exec(ctx, `CREATE TABLE `+lockTable+` (owner String, beat UInt64, at DateTime) ENGINE = Log`)
		if err == nil {
			l := &migrationLock{db: db, owner: owner, stop: make(chan struct{})}
			if err := l.beat(ctx, 0); err != nil {
				_ = l.drop()
				return nil, fmt.Errorf("clickhouse: migration lock: %w", err)
			}
			l.wg.Add(1)
			go l.heartbeat(db.opts.LockStaleAfter / 4)
			return l, nil
		}
		if exceptionCode(err) != codeTableAlreadyExists {
			return fail(err)
		}

		state, err := db.lockState(ctx, lockTable)
		switch {
		case exceptionCode(err) == codeUnknownTable:
			continue // released a moment ago
		case err != nil:
			return fail(err)
		case state != seen || seenSince.IsZero():
			seen, seenSince = state, time.Now()
		case time.Since(seenSince) >= db.opts.LockStaleAfter:
			if err := db.breakLock(ctx, state); err != nil {
				return nil, err
			}
			seenSince = time.Time{}
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("clickhouse: waiting for the migration lock (held by %s): %w", state, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// lockState describes the holder of a lock table and its last heartbeat.
func (db *DB) lockState(ctx context.Context, table string) (string, error) {
	var (
		owner string
		beat  uint64
	)
	rows, err := db.conn.Query(ctx, `SELECT owner, max(beat) FROM `+table+` GROUP BY owner ORDER BY owner`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		if err := rows.Scan(&owner, &beat); err != nil {
			return "", err
		}
		parts = append(parts, fmt.Sprintf("%s beat %d", owner, beat))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(parts) == 0 {
		return "(no heartbeat yet)", nil
	}
	return strings.Join(parts, ", "), nil
}

// breakLock removes a lock whose holder stopped beating. RENAME is atomic,
// so of several waiters only one moves a given table away; that one then
// checks it moved the stale lock it watched and not a new one.
func (db *DB) breakLock(ctx context.Context, stale string) error {
	aside := lockTable + "_stale_" + randomHex(4)
	err := db.conn.Exec(ctx, `RENAME TABLE `+lockTable+` TO `+aside)
	if exceptionCode(err) == codeUnknownTable {
		return nil // released, or another waiter broke it
	}
	if err != nil {
		return fmt.Errorf("clickhouse: break stale migration lock: %w", err)
	}
	state, err := db.lockState(ctx, aside)
	if err == nil && state != stale {
		// A new holder took the lock in between: give it back. Should
		// a third process have created the lock meanwhile, the new
		// holder's heartbeat fails and it stops with ErrLockLost.
		if db.conn.Exec(ctx, `RENAME TABLE `+aside+` TO `+lockTable) == nil {
			return nil
		}
	}
	db.log.Warn("clickhouse: broke a stale migration lock", "database", db.database, "holder", stale, "stale_after", db.opts.LockStaleAfter)
	if err := db.conn.Exec(ctx, `DROP TABLE IF EXISTS `+aside); err != nil {
		return fmt.Errorf("clickhouse: break stale migration lock: %w", err)
	}
	return nil
}

func (l *migrationLock) beat(ctx context.Context, n uint64) error {
	batch, err := l.db.conn.PrepareBatch(ctx, `INSERT INTO `+lockTable+` (owner, beat, at)`)
	if err != nil {
		return err
	}
	if err := batch.Append(l.owner, n, time.Now().UTC().Truncate(time.Second)); err != nil {
		_ = batch.Abort()
		return err
	}
	return batch.Send()
}

func (l *migrationLock) heartbeat(every time.Duration) {
	defer l.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for n := uint64(1); ; n++ {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		err := l.beat(ctx, n)
		cancel()
		if exceptionCode(err) == codeUnknownTable {
			l.mu.Lock()
			l.lost = ErrLockLost
			l.mu.Unlock()
			return
		}
		if err != nil {
			l.db.log.Warn("clickhouse: migration lock heartbeat failed", "database", l.db.database, "err", err)
		}
	}
}

// check returns ErrLockLost once the heartbeat found the lock gone.
func (l *migrationLock) check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

func (l *migrationLock) release() error {
	close(l.stop)
	l.wg.Wait()
	if err := l.check(); err != nil {
		return err // the table, if any, is another holder's now
	}
	return l.drop()
}

func (l *migrationLock) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.db.conn.Exec(ctx, `DROP TABLE IF EXISTS `+lockTable); err != nil {
		return fmt.Errorf("clickhouse: release migration lock: %w", err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
