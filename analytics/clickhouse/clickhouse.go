package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Options tune [Open]. The zero value is ready to use.
type Options struct {
	// Logger receives the few events worth logging (a database created, a
	// migration applied, a stale lock broken). Nil discards them.
	Logger *slog.Logger

	// Cluster is the name of the ClickHouse cluster whose tables
	// cluster/0001_cluster.sql made (Distributed tables over *_local
	// ones); "" for one server. The engine then runs its mutations and
	// partition operations on the local tables, ON CLUSTER.
	Cluster string

	// LockStaleAfter is how long a waiting [DB.Migrate] watches the
	// migration lock without a new heartbeat before it breaks the lock as
	// left by a crashed process. Zero means one minute.
	LockStaleAfter time.Duration
}

// DB is a connection pool to one database of a ClickHouse server. It is safe
// for concurrent use.
type DB struct {
	conn     driver.Conn
	database string
	log      *slog.Logger
	opts     Options
}

// ClickHouse error codes used here.
const (
	codeTableAlreadyExists    = 57
	codeUnknownTable          = 60
	codeUnknownDatabase       = 81
	codeDatabaseAlreadyExists = 82
)

// Open connects to the database named in dsn with the native protocol,
// creating the database first when it does not exist, and checks the
// connection. The DSN is clickhouse://[user[:password]@]host:port/database
// with clickhouse-go's query parameters (username, password, secure,
// skip_verify, dial_timeout, read_timeout, compress, max_open_conns, …);
// other parameters are server settings and must be integers or booleans.
// The database defaults to "default".
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	chOpts, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if opts.LockStaleAfter <= 0 {
		opts.LockStaleAfter = time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	database := chOpts.Auth.Database
	db := &DB{database: database, log: log, opts: opts}

	conn, err := connect(ctx, chOpts)
	if exceptionCode(err) == codeUnknownDatabase {
		if err := createDatabase(ctx, chOpts, database); err != nil {
			return nil, err
		}
		log.Info("clickhouse: created database", "database", database)
		conn, err = connect(ctx, chOpts)
	}
	if err != nil {
		return nil, fmt.Errorf("clickhouse: connect to %s: %w", redact(dsn), err)
	}
	db.conn = conn
	return db, nil
}

// parseDSN parses and checks a DSN for what 18.16 can do.
func parseDSN(dsn string) (*ch.Options, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: bad DSN %s: %w", redact(dsn), err)
	}
	switch u.Scheme {
	case "clickhouse", "tcp":
	default:
		return nil, fmt.Errorf("clickhouse: DSN scheme %q: only the native protocol (clickhouse:// or tcp://) works with every supported server", u.Scheme)
	}
	chOpts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: bad DSN %s: %w", redact(dsn), err)
	}
	for k, v := range chOpts.Settings {
		switch v.(type) {
		case int, bool:
		default:
			return nil, fmt.Errorf("clickhouse: DSN parameter %s=%v: settings sent by the driver must be integers or booleans (ClickHouse 18.16); put string settings in the query's SETTINGS clause", k, v)
		}
	}
	if chOpts.Auth.Database == "" {
		chOpts.Auth.Database = "default"
	}
	return chOpts, nil
}

func connect(ctx context.Context, opts *ch.Options) (driver.Conn, error) {
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, err
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// createDatabase creates database through a connection to the server's
// default database.
func createDatabase(ctx context.Context, opts *ch.Options, database string) error {
	boot := *opts
	boot.Auth.Database = ""
	boot.MaxOpenConns, boot.MaxIdleConns = 1, 1
	conn, err := connect(ctx, &boot)
	if err != nil {
		return fmt.Errorf("clickhouse: connect to create database %s: %w", database, err)
	}
	defer conn.Close()
	err = conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+quoteIdent(database))
	if code := exceptionCode(err); code == codeDatabaseAlreadyExists || code == codeTableAlreadyExists {
		err = nil // another process created it at the same moment
	}
	if err != nil {
		return fmt.Errorf("clickhouse: create database %s: %w", database, err)
	}
	return nil
}

// Database returns the name of the database the DB works in.
func (db *DB) Database() string { return db.database }

// Ping checks that the server answers.
func (db *DB) Ping(ctx context.Context) error { return db.conn.Ping(ctx) }

// Close closes the connections.
func (db *DB) Close() error { return db.conn.Close() }

// exceptionCode returns the ClickHouse error code in err's chain, or 0.
func exceptionCode(err error) int32 {
	var e *ch.Exception
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "`", "\\`") + "`"
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
