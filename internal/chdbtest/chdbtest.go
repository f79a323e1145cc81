// Package chdbtest runs current ClickHouse (26.7, as chDB: ClickHouse
// compiled into the library libchdb.so) for tests, next to the 18.16 server
// of internal/chtest, so that every migration and query is proved on both.
//
//	func TestMain(m *testing.M) { chdbtest.Main(m) } // or after chtest.Main's m.Run
//
//	func TestSomething(t *testing.T) {
//		s := chdbtest.Shared(t)
//		db := s.NewDatabase(t)    // fresh, dropped when t ends
//		conn := s.Conn(db)        // a clickhouse-go driver.Conn on it
//		...
//	}
//
// chDB is clickhouse-local, not a server: it has no network port, so the
// driver cannot connect to it. [Session.Conn] therefore implements
// clickhouse-go's driver.Conn itself, over SQL text: arguments are bound on
// the client as clickhouse-go binds them, batches become INSERT … VALUES
// with literals typed by the table's columns, and results come back as
// JSONCompactEachRowWithNamesAndTypes and are scanned as strictly as the
// driver scans them (a UInt64 only into *uint64, …). So code written against
// driver.Conn (the analytics engine, the migration runner) runs unchanged on
// 26.7. Settings passed with clickhouse.WithSettings are not seen.
//
// One session per process: chDB allows one, and its Go package panics at
// start-up when the library is missing. So the session runs in a child
// process (the program in ./chdbsql, built with `go build` on first use and
// started with CHDB_LIB_PATH set), shared by every test of the test binary
// and killed with it. Requests are answered one at a time, each in the
// database it names, so tests that each work in their own database share it
// safely, in parallel too.
//
// The library is the file CHDB_LIB_PATH names or, by default,
// node_modules/@chdb/lib-linux-x64-gnu/libchdb.so in HOCVU_CHDB_DIR
// (default: the user cache directory's hocvu/chdb), where
// scripts/ensure-chdb installs it with npm. When it is missing the test is
// skipped with a message saying how to install it, except under CI=true,
// where it fails: these tests never skip in CI.
//
// The session's server configuration defines the cluster [Cluster]: one
// shard, one replica, this process (Distributed tables work; ON CLUSTER
// DDL, which needs ClickHouse Keeper, does not), and the macros {shard} and
// {replica}.
package chdbtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/hocvu/hocvu/internal/chtest"
)

// Environment variables that locate the library.
const (
	EnvLib = "CHDB_LIB_PATH"
	EnvDir = "HOCVU_CHDB_DIR"
)

// Cluster is the name of the one-shard cluster in the session's
// configuration.
const Cluster = "hocvu"

// libInPackage is where the npm package @chdb/lib-linux-x64-gnu puts the
// library, relative to the folder npm installed into.
const libInPackage = "node_modules/@chdb/lib-linux-x64-gnu/libchdb.so"

// Session is the child process that holds the chDB session.
type Session struct {
	dir     string
	version string

	mu   sync.Mutex
	cmd  *exec.Cmd
	in   io.WriteCloser
	enc  *json.Encoder
	dec  *json.Decoder
	dead error
}

// LibPath returns the library the session loads, or an error naming where
// it looked.
func LibPath() (string, error) {
	if p := os.Getenv(EnvLib); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("chdbtest: %s=%s: %w", EnvLib, p, err)
		}
		return p, nil
	}
	dir := os.Getenv(EnvDir)
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("chdbtest: no %s and no user cache directory: %w", EnvDir, err)
		}
		dir = filepath.Join(cache, "hocvu", "chdb")
	}
	p := filepath.Join(dir, libInPackage)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("chdbtest: no libchdb.so at %s (nor %s set)", p, EnvLib)
	}
	return p, nil
}

var (
	sharedMu   sync.Mutex
	shared     *Session
	sharedErr  error
	missing    bool
	mainCalled bool
)

// Main runs the tests and stops the shared session afterwards. A package
// that also uses internal/chtest combines the two with [Run]:
//
//	func TestMain(m *testing.M) {
//		os.Exit(chtest.Run(func() int { return chdbtest.Run(m.Run) }))
//	}
func Main(m *testing.M) { os.Exit(Run(m.Run)) }

// Run marks the shared session usable, calls run (m.Run, or chtest.Main's
// equivalent) and stops the session afterwards, returning run's code.
func Run(run func() int) int {
	sharedMu.Lock()
	mainCalled = true
	sharedMu.Unlock()
	code := run()
	Stop()
	return code
}

// Stop ends the shared session, if one was started.
func Stop() {
	sharedMu.Lock()
	s := shared
	shared, sharedErr = nil, errors.New("chdbtest: tests are over")
	sharedMu.Unlock()
	if s != nil {
		s.Close()
	}
}

// Shared returns the session shared by the tests of this test binary,
// starting it on first use.
func Shared(tb testing.TB) *Session {
	tb.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if !mainCalled {
		tb.Fatal("chdbtest: Shared needs chdbtest.Main or chdbtest.Run in TestMain, to stop the session when the tests end")
	}
	if shared == nil && sharedErr == nil {
		lib, err := LibPath()
		if err != nil {
			sharedErr, missing = err, true
		} else {
			shared, sharedErr = start(lib)
		}
	}
	if sharedErr != nil {
		fail(tb, missing, sharedErr)
	}
	return shared
}

func fail(tb testing.TB, missing bool, err error) {
	tb.Helper()
	if missing && !inCI() {
		tb.Skipf("%v\nInstall it with ./scripts/ensure-chdb (npm package @chdb/lib-linux-x64-gnu, ClickHouse 26.7), or set %s. Under CI=true this test fails instead of skipping.", err, EnvLib)
	}
	tb.Fatal(err)
}

func inCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// start builds the child program and starts it on lib.
func start(lib string) (*Session, error) {
	dir, err := os.MkdirTemp("", "hocvu-chdbtest-*")
	if err != nil {
		return nil, fmt.Errorf("chdbtest: %w", err)
	}
	bin := filepath.Join(dir, "chdbsql")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	build := exec.Command(gobin, "build", "-o", bin, "github.com/hocvu/hocvu/internal/chdbtest/chdbsql")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("chdbtest: build the chdbsql helper: %v\n%s", err, out)
	}
	config := filepath.Join(dir, "config.xml")
	if err := os.WriteFile(config, []byte(serverConfig), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("chdbtest: %w", err)
	}
	stderr, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("chdbtest: %w", err)
	}
	defer stderr.Close() // the child has its own copy
	answersR, answersW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("chdbtest: %w", err)
	}
	defer answersW.Close()
	cmd := exec.Command(bin, "-dir", filepath.Join(dir, "data"), "-config", config)
	cmd.Env = append(os.Environ(), EnvLib+"="+lib)
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	cmd.ExtraFiles = []*os.File{answersW}
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("chdbtest: %w", err)
	}
	if err := chtest.StartProcess(cmd); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("chdbtest: start %s: %w", bin, err)
	}
	s := &Session{dir: dir, cmd: cmd, in: in, enc: json.NewEncoder(in), dec: json.NewDecoder(answersR)}
	out, err := s.Query("", "SELECT version()", "TSV")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("chdbtest: the chDB session did not answer: %w", err)
	}
	s.version = strings.TrimSpace(string(out))
	// UTC, as internal/chtest's server runs.
	if _, err := s.Query("", "SET session_timezone = 'UTC'", "TSV"); err != nil {
		s.Close()
		return nil, fmt.Errorf("chdbtest: %w", err)
	}
	return s, nil
}

const serverConfig = `<?xml version="1.0"?>
<!-- Generated by internal/chdbtest for one test run. -->
<clickhouse>
  <timezone>UTC</timezone>
  <tcp_port>9000</tcp_port>
  <remote_servers>
    <` + Cluster + `>
      <shard><replica><host>localhost</host><port>9000</port></replica></shard>
    </` + Cluster + `>
  </remote_servers>
  <macros>
    <shard>01</shard>
    <replica>r1</replica>
  </macros>
</clickhouse>
`

// Version returns the ClickHouse version of the session, e.g. 26.7.2.1.
func (s *Session) Version() string { return s.version }

type request struct {
	DB     string `json:"db"`
	SQL    string `json:"sql"`
	Format string `json:"format"`
}

type response struct {
	Out []byte `json:"out,omitempty"`
	Err string `json:"err,omitempty"`
}

// Query runs one statement in database db ("" for the
// database default) and returns its output in format (CSV, TSV, JSONEachRow, …). A
// statement the server refuses returns its error.
func (s *Session) Query(db, sql, format string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead != nil {
		return nil, s.dead
	}
	if err := s.enc.Encode(request{DB: db, SQL: sql, Format: format}); err != nil {
		s.dead = fmt.Errorf("chdbtest: the chDB session is gone: %v\n%s", err, s.logTail())
		return nil, s.dead
	}
	var resp response
	if err := s.dec.Decode(&resp); err != nil {
		s.dead = fmt.Errorf("chdbtest: the chDB session is gone: %v\n%s", err, s.logTail())
		return nil, s.dead
	}
	if resp.Err != "" {
		return nil, serverError(strings.TrimSpace(resp.Err))
	}
	return resp.Out, nil
}

// Exec runs statements that return nothing, in order, in database db.
func (s *Session) Exec(db string, statements ...string) error {
	for _, q := range statements {
		if _, err := s.Query(db, q, "TSV"); err != nil {
			return fmt.Errorf("%w\nin: %s", err, q)
		}
	}
	return nil
}

// NewDatabase creates a database with a fresh name derived from the test's
// name, and drops it when tb ends.
func (s *Session) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := chtest.DatabaseName(tb.Name())
	if err := s.Exec("", "CREATE DATABASE "+quoteIdent(name)); err != nil {
		tb.Fatalf("chdbtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Exec("", "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
			tb.Errorf("chdbtest: %v", err)
		}
	})
	return name
}

// Dir returns the session's temporary directory; files written there can be
// read with the file() table function.
func (s *Session) Dir() string { return s.dir }

// Close ends the child process and removes its directory.
func (s *Session) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.in.Close() // the child exits when its input ends
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
	if s.dead == nil {
		s.dead = errors.New("chdbtest: session closed")
	}
	os.RemoveAll(s.dir)
}

func (s *Session) logTail() string {
	data, err := os.ReadFile(filepath.Join(s.dir, "stderr.log"))
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	return "--- chdbsql output (last lines) ---\n" + strings.Join(lines, "\n")
}

var exceptionText = regexp.MustCompile(`(?s)^Code: (\d+)\. DB::(\w*Exception): (.*?)(?: \(([A-Z_]+)\))?(?: \(version [^)]*\))?$`)

// serverError returns a refusal as the *clickhouse.Exception that
// clickhouse-go would return, so that code looking at error codes works.
func serverError(msg string) error {
	m := exceptionText.FindStringSubmatch(msg)
	if m == nil {
		return errors.New(msg)
	}
	code, _ := strconv.ParseInt(m[1], 10, 32)
	return &ch.Exception{Code: int32(code), Name: "DB::" + m[2], CodeName: m[4], Message: m[3]}
}

func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "`", "\\`") + "`"
}
