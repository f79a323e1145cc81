package chtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		orphanHelper()
		return
	}
	Main(m)
}

func TestSharedServer(t *testing.T) {
	srv := Shared(t)
	if again := Shared(t); again != srv {
		t.Fatalf("Shared returned two servers: %s and %s", srv.Addr(), again.Addr())
	}
	if !srv.External() {
		if !strings.HasPrefix(srv.DSN("x"), "clickhouse://127.0.0.1:") || !strings.HasSuffix(srv.DSN("x"), "/x") {
			t.Errorf("DSN = %q, want clickhouse://127.0.0.1:PORT/x", srv.DSN("x"))
		}
		if strings.HasSuffix(srv.Addr(), ":9000") {
			t.Errorf("server on the fixed port 9000")
		}
		if _, err := os.Stat(srv.Dir()); err != nil {
			t.Errorf("server dir: %v", err)
		}
	}

	var name string
	t.Run("NewDatabase", func(t *testing.T) {
		name = srv.NewDatabase(t)
		if !strings.HasPrefix(name, "t_testsharedserver_newdatabase_") {
			t.Errorf("database name %q", name)
		}
		conn := connect(t, srv.DSN(name))
		var db string
		if err := conn.QueryRow(context.Background(), "SELECT currentDatabase()").Scan(&db); err != nil {
			t.Fatal(err)
		}
		if db != name {
			t.Errorf("currentDatabase() = %q, want %q", db, name)
		}
		if other := srv.NewDatabase(t); other == name {
			t.Errorf("NewDatabase returned %q twice", name)
		}
	})
	if exists(t, srv, name) {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestStartOwnServer(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skipf("%s is set: no server is started", EnvURL)
	}
	shared := Shared(t)
	began := time.Now()
	srv := Start(t)
	t.Logf("own server ready on %s (http %d) in %s", srv.Addr(), srv.HTTPPort(), time.Since(began).Round(time.Millisecond))
	if srv.Addr() == shared.Addr() {
		t.Fatalf("own server shares the address %s", srv.Addr())
	}
	var version string
	if err := connect(t, srv.DSN("default")).QueryRow(context.Background(), "SELECT version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	t.Logf("server version %s", version)

	// Only 127.0.0.1 is served: the ports are not open on other addresses.
	for _, port := range []int{srv.port(), srv.HTTPPort()} {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port)), time.Second); err == nil {
			c.Close()
			t.Errorf("port %d answers on 127.0.0.2", port)
		}
	}

	pid := srv.cmd.Process.Pid
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if alive(pid) {
		t.Errorf("server process %d still alive after Stop", pid)
	}
	if _, err := os.Stat(srv.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server dir after Stop: %v", err)
	}
	if c, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", srv.Addr())
	}
}

// A test binary that dies without cleaning up takes its server with it.
func TestServerDiesWithTestBinary(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skipf("%s is set: no server is started", EnvURL)
	}
	if _, _, err := findBinary(); err != nil {
		Shared(t) // skips or fails as every test does
	}
	// Become the subreaper of the helper's orphans, so that the server is
	// reaped here instead of lingering as a zombie under PID 1.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	var pid int
	var dir string
	if _, err := fmt.Sscanf(string(out), "pid=%d dir=%s", &pid, &dir); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // the helper had no chance to remove it
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if err != nil && !errors.Is(err, syscall.EINTR) {
			t.Fatalf("wait4(%d): %v", pid, err)
		}
		if got == pid {
			if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Errorf("server ended with %v, want killed by SIGKILL", ws)
			}
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("server %d outlived its test binary", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const prSetChildSubreaper = 36

const helperEnv = "HOCVU_CHTEST_ORPHAN_HELPER"

// orphanHelper starts a server, prints its pid and exits at once, as a
// crashed test binary would.
func orphanHelper() {
	srv, _, err := start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "pid=%d dir=%s\n", srv.cmd.Process.Pid, srv.Dir())
	w.Flush()
	os.Exit(0)
}

// Two servers started at the same time get different ports.
func TestParallelStarts(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skipf("%s is set: no server is started", EnvURL)
	}
	Shared(t) // skip or fail like the others when there is no binary
	const n = 3
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv, _, err := start()
			servers[i], errs[i] = srv, err
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Error(errs[i])
			continue
		}
		t.Cleanup(func() { _ = servers[i].Stop() })
		if seen[servers[i].Addr()] {
			t.Errorf("two servers on %s", servers[i].Addr())
		}
		seen[servers[i].Addr()] = true
	}
}

// fakeTB records how fail ends a test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.failed, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func TestMissingBinary(t *testing.T) {
	missing := errors.New("chtest: no clickhouse-server binary")
	for _, tc := range []struct {
		ci        string
		st        status
		wantSkip  bool
		wantFail  bool
		wantInMsg string
	}{
		{ci: "", st: statusMissing, wantSkip: true, wantInMsg: "scripts/ensure-clickhouse"},
		{ci: "false", st: statusMissing, wantSkip: true, wantInMsg: "scripts/ensure-clickhouse"},
		{ci: "true", st: statusMissing, wantFail: true},
		{ci: "1", st: statusMissing, wantFail: true},
		{ci: "", st: statusFailed, wantFail: true},
	} {
		t.Run(fmt.Sprintf("CI=%q/status=%d", tc.ci, tc.st), func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			f := &fakeTB{}
			done := make(chan struct{})
			go func() {
				defer close(done)
				fail(f, tc.st, missing)
			}()
			<-done
			if f.skipped != tc.wantSkip || f.failed != tc.wantFail {
				t.Errorf("skipped=%v failed=%v, want skipped=%v failed=%v", f.skipped, f.failed, tc.wantSkip, tc.wantFail)
			}
			if !strings.Contains(f.msg, tc.wantInMsg) {
				t.Errorf("message %q lacks %q", f.msg, tc.wantInMsg)
			}
		})
	}
}

func TestDatabaseName(t *testing.T) {
	for _, tc := range []struct{ test, prefix string }{
		{"TestX", "t_testx_"},
		{"TestX/sub case#01", "t_testx_sub_case_01_"},
		{strings.Repeat("A", 100), "t_" + strings.Repeat("a", 40) + "_"},
	} {
		got := databaseName(tc.test)
		if !strings.HasPrefix(got, tc.prefix) || len(got) != len(tc.prefix)+8 {
			t.Errorf("databaseName(%q) = %q, want %s + 8 hex digits", tc.test, got, tc.prefix)
		}
	}
	if a, b := databaseName("T"), databaseName("T"); a == b {
		t.Error("two calls gave the same name")
	}
}

func TestExternalURLValidation(t *testing.T) {
	for _, raw := range []string{"http://127.0.0.1:8123", "clickhouse://"} {
		if _, err := external(raw); err == nil {
			t.Errorf("external(%q) accepted", raw)
		}
	}
}

func connect(t *testing.T, dsn string) ch.Conn {
	t.Helper()
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func exists(t *testing.T, srv *Server, database string) bool {
	t.Helper()
	var n uint64
	if err := connect(t, srv.DSN("default")).QueryRow(context.Background(),
		"SELECT count() FROM system.databases WHERE name = ?", database).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func alive(pid int) bool {
	// A zombie still answers signal 0; read its state instead.
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func (s *Server) port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// A port taken by another process is recognised, so that start tries again
// with new ports.
func TestPortTaken(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skipf("%s is set: no server is started", EnvURL)
	}
	Shared(t) // skip or fail like the others when there is no binary
	bin, args, err := findBinary()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := launchOn(bin, args, ln.Addr().(*net.TCPAddr).Port, ports[0])
	if err == nil {
		_ = srv.Stop()
		t.Fatal("server started on a taken port")
	}
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("err = %v, want errPortTaken", err)
	}
}
