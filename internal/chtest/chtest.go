// Package chtest runs a real clickhouse-server for tests.
//
// A test binary starts at most one shared server, on free loopback ports, in
// a temporary directory, and stops it when the tests end:
//
//	func TestMain(m *testing.M) { chtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		srv := chtest.Shared(t)
//		db := srv.NewDatabase(t) // fresh, dropped when t ends
//		dsn := srv.DSN(db)       // clickhouse://127.0.0.1:PORT/DB
//		...
//	}
//
// [Start] gives a test its own server instead, stopped when the test ends.
//
// The server is the clickhouse-server binary found on PATH, in /usr/sbin or
// /usr/bin (Debian's package, 18.16, installs /usr/sbin/clickhouse-server;
// scripts/ensure-clickhouse installs it), or the upstream single binary
// `clickhouse`. It runs with a generated minimal config: native and HTTP ports
// on 127.0.0.1 only, picked free (and picked again if another process takes
// one first), no interserver port, logs and all paths inside the temporary
// directory, a `default` user without password on localhost, small caches,
// UTC. It is killed with its process group when the tests end, and also by
// the kernel if the test binary dies (Linux parent-death signal), so no server
// outlives its test binary.
//
// When HOCVU_TEST_CLICKHOUSE_URL is set (clickhouse://[user[:pass]@]host:port,
// native protocol), no server is started and that server is used instead;
// every test still works in its own fresh database.
//
// When no binary is found, the test is skipped with a message telling how to
// install one, except under CI=true, where it fails: ClickHouse tests never
// skip silently in CI. A binary that is found but cannot be started always
// fails the test, with the tail of the server's logs.
//
// This package imports clickhouse-go to wait for the server and to create and
// drop databases; it is test-only code and the one exception, besides
// analytics/clickhouse, to the rule that nothing else imports the driver.
package chtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EnvURL names the environment variable that points the tests at an external
// server instead of starting one.
const EnvURL = "HOCVU_TEST_CLICKHOUSE_URL"

// StartTimeout bounds how long Start and Shared wait for a new server to
// accept native connections.
const StartTimeout = 60 * time.Second

// Server is a running ClickHouse server: one this package started, or the
// external one named by HOCVU_TEST_CLICKHOUSE_URL.
type Server struct {
	base     *url.URL // clickhouse://[userinfo@]host:port[?query], no path
	external bool

	// Only for a server this package started.
	dir      string
	httpPort int
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited
	waitErr  error         // set before exited is closed

	mu     sync.Mutex
	admin  driver.Conn
	closed bool
}

// Addr returns the host:port of the native protocol.
func (s *Server) Addr() string { return s.base.Host }

// HTTPPort returns the HTTP port of a server this package started, 0 for an
// external one.
func (s *Server) HTTPPort() int { return s.httpPort }

// Dir returns the temporary directory of a server this package started
// (data, config and logs), "" for an external one.
func (s *Server) Dir() string { return s.dir }

// External reports whether this is the server named by
// HOCVU_TEST_CLICKHOUSE_URL.
func (s *Server) External() bool { return s.external }

// DSN returns the DSN of database on this server:
// clickhouse://127.0.0.1:PORT/DATABASE, with the credentials and query
// parameters of HOCVU_TEST_CLICKHOUSE_URL for an external server.
func (s *Server) DSN(database string) string {
	u := *s.base
	u.Path = "/" + database
	return u.String()
}

// NewDatabase creates a database with a fresh name derived from the test's
// name, and drops it when tb ends. It returns the name.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := databaseName(tb.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.adminConn(ctx)
	if err != nil {
		tb.Fatalf("chtest: %v", err)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		tb.Fatalf("chtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
			tb.Errorf("chtest: drop database %s: %v", name, err)
		}
	})
	return name
}

// LogTail returns the last lines of the server's logs and output, for error
// messages; "" for an external server.
func (s *Server) LogTail() string {
	if s.external || s.dir == "" {
		return ""
	}
	var b strings.Builder
	for _, f := range []string{"stderr.log", "log/server.err.log", "log/server.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, f))
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "--- %s (last lines) ---\n%s\n", f, tailLines(data, 25))
	}
	return b.String()
}

func (s *Server) adminConn(ctx context.Context) (driver.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("server already stopped")
	}
	if s.admin != nil {
		return s.admin, nil
	}
	conn, err := s.open(ctx, "")
	if err != nil {
		return nil, err
	}
	s.admin = conn
	return conn, nil
}

// open connects with the native protocol and pings.
func (s *Server) open(ctx context.Context, database string) (driver.Conn, error) {
	opts, err := ch.ParseDSN(s.DSN(database))
	if err != nil {
		return nil, err
	}
	opts.DialTimeout = 2 * time.Second
	opts.MaxOpenConns = 4
	opts.MaxIdleConns = 2
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

// Stop kills a server this package started, waits for it to exit and removes
// its directory. For an external server it only closes the connection. It is
// safe to call more than once.
func (s *Server) Stop() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	admin := s.admin
	s.admin = nil
	s.mu.Unlock()
	if admin != nil {
		admin.Close()
	}
	if s.external {
		return nil
	}
	s.kill()
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("chtest: remove %s: %w", s.dir, err)
	}
	return nil
}

// kill ends the server and its process group. The data is thrown away, so
// there is no graceful shutdown to wait for (SIGTERM takes about 1.5 s).
func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	pid := s.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = s.cmd.Process.Kill()
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
	}
}

var (
	sharedMu     sync.Mutex
	shared       *Server
	sharedErr    error
	sharedStatus status
	mainCalled   bool
)

// Main runs the tests of a package that uses [Shared] and stops the shared
// server afterwards. Call it from TestMain:
//
//	func TestMain(m *testing.M) { chtest.Main(m) }
func Main(m *testing.M) { os.Exit(Run(m.Run)) }

// Run is [Main] for a TestMain that combines helpers: it calls run (m.Run,
// or another helper's wrapper of it), stops the shared server and returns
// run's exit code.
func Run(run func() int) int {
	sharedMu.Lock()
	mainCalled = true
	sharedMu.Unlock()
	code := run()
	sharedMu.Lock()
	srv := shared
	shared, sharedErr, sharedStatus = nil, errors.New("chtest: tests are over"), statusFailed
	sharedMu.Unlock()
	if srv != nil {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// Shared returns the server shared by all tests of this test binary, starting
// it on first use. It requires [Main] in TestMain. A failed start fails (or,
// for a missing binary outside CI, skips) every test that asks.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if !mainCalled {
		tb.Fatal("chtest: Shared needs `func TestMain(m *testing.M) { chtest.Main(m) }` in this package, to stop the server when the tests end")
	}
	if shared == nil && sharedErr == nil {
		shared, sharedStatus, sharedErr = start()
	}
	if sharedErr != nil {
		fail(tb, sharedStatus, sharedErr)
	}
	return shared
}

// Start starts a server of the test's own, or returns the external one, and
// stops it when tb ends. Prefer [Shared]: a start takes about half a second.
func Start(tb testing.TB) *Server {
	tb.Helper()
	srv, st, err := start()
	if err != nil {
		fail(tb, st, err)
	}
	tb.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return srv
}

type status int

const (
	statusOK status = iota
	statusMissing
	statusFailed
)

func fail(tb testing.TB, st status, err error) {
	tb.Helper()
	if st == statusMissing && !inCI() {
		tb.Skipf("%v\nInstall it with ./scripts/ensure-clickhouse (Debian's clickhouse-server), or set %s=clickhouse://host:port. Under CI=true this test fails instead of skipping.", err, EnvURL)
	}
	tb.Fatal(err)
}

func inCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

func start() (*Server, status, error) {
	if raw := os.Getenv(EnvURL); raw != "" {
		srv, err := external(raw)
		if err != nil {
			return nil, statusFailed, err
		}
		return srv, statusOK, nil
	}
	bin, args, err := findBinary()
	if err != nil {
		return nil, statusMissing, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		srv, err := launch(bin, args)
		if err == nil {
			return srv, statusOK, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, statusFailed, lastErr
}

func external(raw string) (*Server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("chtest: %s: %w", EnvURL, err)
	}
	if u.Scheme != "clickhouse" && u.Scheme != "tcp" {
		return nil, fmt.Errorf("chtest: %s must be clickhouse://host:port (the native protocol), not %q", EnvURL, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("chtest: %s has no host:port", EnvURL)
	}
	u.Path, u.RawPath = "", ""
	srv := &Server{base: u, external: true}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := srv.adminConn(ctx); err != nil {
		return nil, fmt.Errorf("chtest: %s=%s: %w", EnvURL, u.Redacted(), err)
	}
	return srv, nil
}

// findBinary returns the server binary and the arguments that precede the
// config flag.
func findBinary() (string, []string, error) {
	for _, p := range []string{"clickhouse-server", "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if path, err := exec.LookPath(p); err == nil {
			return path, nil, nil
		}
	}
	for _, p := range []string{"clickhouse", "/usr/bin/clickhouse"} {
		if path, err := exec.LookPath(p); err == nil {
			return path, []string{"server"}, nil
		}
	}
	return "", nil, errors.New("chtest: no clickhouse-server binary (looked on PATH, in /usr/sbin and /usr/bin)")
}

var errPortTaken = errors.New("port taken")

func launch(bin string, args []string) (*Server, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, fmt.Errorf("chtest: free ports: %w", err)
	}
	return launchOn(bin, args, ports[0], ports[1])
}

// launchOn starts a server on the given ports. It returns errPortTaken when
// the server exits because one of them is in use.
func launchOn(bin string, args []string, tcpPort, httpPort int) (srv *Server, err error) {
	dir, err := os.MkdirTemp("", "hocvu-chtest-*")
	if err != nil {
		return nil, fmt.Errorf("chtest: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	for _, sub := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("chtest: %w", err)
		}
	}
	configPath := filepath.Join(dir, "config.xml")
	if err := os.WriteFile(configPath, []byte(serverConfig(dir, tcpPort, httpPort)), 0o644); err != nil {
		return nil, fmt.Errorf("chtest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(usersConfig), 0o644); err != nil {
		return nil, fmt.Errorf("chtest: %w", err)
	}
	out, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		return nil, fmt.Errorf("chtest: %w", err)
	}
	defer out.Close() // the child has its own copy

	cmd := exec.Command(bin, append(args, "--config-file="+configPath)...)
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// The kernel kills the server when the thread that forked it
		// exits; forker keeps that thread alive for the life of the
		// process, so this fires exactly when the test binary dies, even
		// by a panic, a test timeout or SIGKILL.
		Pdeathsig: syscall.SIGKILL,
	}
	srv = &Server{
		base:     &url.URL{Scheme: "clickhouse", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(tcpPort))},
		dir:      dir,
		httpPort: httpPort,
		cmd:      cmd,
		exited:   make(chan struct{}),
	}
	if err := forker.start(cmd); err != nil {
		return nil, fmt.Errorf("chtest: start %s: %w", bin, err)
	}
	go func() {
		srv.waitErr = cmd.Wait()
		close(srv.exited)
	}()
	if err := srv.waitReady(StartTimeout); err != nil {
		srv.kill()
		return nil, err
	}
	return srv, nil
}

// waitReady polls with a native Ping until the server answers, exits or the
// timeout passes.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		select {
		case <-s.exited:
			tail := s.LogTail()
			if strings.Contains(tail, "Address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("chtest: clickhouse-server exited before it accepted connections (%v)\n%s", s.waitErr, tail)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chtest: clickhouse-server did not accept native connections on %s within %s: %v\n%s", s.Addr(), timeout, lastErr, s.LogTail())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := s.open(ctx, "")
		cancel()
		if err == nil {
			s.admin = conn
			return nil
		}
		lastErr = err
		select {
		case <-s.exited:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// StartProcess starts cmd in a process group of its own, so that the kernel
// kills it (SIGKILL) when the test binary dies, even by a panic, a test
// timeout or SIGKILL. Other test helpers (internal/chdbtest) start their
// children with it too.
func StartProcess(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return forker.start(cmd)
}

// forker starts processes from one goroutine locked to its OS thread for
// the life of the process, so that Pdeathsig means "when the process dies".
var forker = newForker()

type forkRequest struct {
	cmd  *exec.Cmd
	done chan error
}

type forkThread struct {
	once sync.Once
	reqs chan forkRequest
}

func newForker() *forkThread { return &forkThread{reqs: make(chan forkRequest)} }

func (f *forkThread) start(cmd *exec.Cmd) error {
	f.once.Do(func() {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for r := range f.reqs {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	f.reqs <- forkRequest{cmd: cmd, done: done}
	return <-done
}

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment
// ago. Another process can take one before the server binds it; launch then
// tries again with new ports.
func freePorts(n int) ([]int, error) {
	var (
		ports []int
		lns   []net.Listener
	)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func serverConfig(dir string, tcpPort, httpPort int) string {
	p := func(sub string) string { return xmlEscape(filepath.Join(dir, sub)) + "/" }
	return fmt.Sprintf(`<?xml version="1.0"?>
<!-- Generated by internal/chtest for one test run. -->
<yandex>
  <logger>
    <level>information</level>
    <log>%[1]slog/server.log</log>
    <errorlog>%[1]slog/server.err.log</errorlog>
    <size>50M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%[2]d</tcp_port>
  <http_port>%[3]d</http_port>
  <path>%[4]s</path>
  <tmp_path>%[5]s</tmp_path>
  <user_files_path>%[6]s</user_files_path>
  <format_schema_path>%[7]s</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <keep_alive_timeout>3</keep_alive_timeout>
</yandex>
`, xmlEscape(dir)+"/", tcpPort, httpPort, p("data"), p("tmp"), p("user_files"), p("format_schemas"))
}

const usersConfig = `<?xml version="1.0"?>
<!-- Generated by internal/chtest for one test run. -->
<yandex>
  <profiles>
    <default>
      <background_pool_size>4</background_pool_size>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks>
        <ip>127.0.0.1</ip>
        <ip>::1</ip>
      </networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default></default>
  </quotas>
</yandex>
`

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }

func tailLines(data []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// DatabaseName returns a fresh database name for a test:
// t_<lowercase test name, [a-z0-9_], at most 40 bytes>_<8 hex digits>.
func DatabaseName(testName string) string { return databaseName(testName) }

// databaseName turns a test name into a fresh database name:
// t_<lowercase test name, [a-z0-9_], at most 40 bytes>_<8 hex digits>.
func databaseName(testName string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 42 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(rnd[:]))
	return b.String()
}

func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "`", "\\`") + "`"
}
