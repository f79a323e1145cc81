// Package proctest builds the hocvu binary once per test binary and runs it
// as a child process, for end-to-end tests that need a real process: signals,
// kill -9, restarts, the command line as a user types it.
package proctest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of a hocvu binary built from this checkout. The
// first call builds it (with -race when the tests run with -race).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hocvu-bin-*")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "hocvu")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "github.com/hocvu/hocvu/cmd/hocvu")
		cmd := exec.Command("go", args...)
		cmd.Dir = moduleRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Process is a running hocvu child process.
type Process struct {
	t    testing.TB
	cmd  *exec.Cmd
	Addr string // host:port it serves on, once Started
	logs *logBuffer
	done chan struct{}
	err  error
}

// Start runs hocvu with args (JSON logs are forced so lines can be parsed)
// and, when the command serves HTTP, waits for its "hocvu serving" log line.
func Start(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	p := startProcess(t, env, args...)
	if err := p.waitServing(60 * time.Second); err != nil {
		p.Kill()
		t.Fatalf("hocvu %s: %v\nlogs:\n%s", strings.Join(args, " "), err, p.Logs())
	}
	return p
}

// StartNoWait runs hocvu like Start but returns at once, before it serves
// (WaitLog and WaitServing then follow its progress).
func StartNoWait(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	return startProcess(t, env, args...)
}

// WaitServing waits for the "hocvu serving" (or "hocvu projecting") line of
// a process started with StartNoWait.
func (p *Process) WaitServing(timeout time.Duration) error { return p.waitServing(timeout) }

// WaitLog waits for a log line that contains substr.
func (p *Process) WaitLog(substr string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for i := 0; ; i++ {
		line, ok := p.logs.wait(i, deadline)
		if !ok {
			return fmt.Errorf("exited or timed out before logging %q", substr)
		}
		if strings.Contains(line, substr) {
			return nil
		}
	}
}

func startProcess(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(Binary(t), append([]string{"--log-format=json", "--log-level=debug"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{t: t, cmd: cmd, logs: newLogBuffer(), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.logs.add(sc.Text())
		}
		p.err = cmd.Wait()
		p.logs.close()
		close(p.done)
	}()
	t.Cleanup(p.Kill)
	return p
}

func (p *Process) waitServing(timeout time.Duration) error {
	deadline := time.After(timeout)
	for i := 0; ; i++ {
		line, ok := p.logs.wait(i, deadline)
		if !ok {
			return fmt.Errorf("exited or timed out before serving")
		}
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec["msg"] == "hocvu serving" || rec["msg"] == "hocvu projecting" {
			addr, _ := rec["addr"].(string)
			p.Addr = strings.TrimPrefix(addr, "http://")
			return nil
		}
	}
}

// URL returns the base URL of the serving process.
func (p *Process) URL() string { return "http://" + p.Addr }

// PeakRSS returns the process's peak resident set size in bytes (VmHWM
// in /proc, Linux), or 0 when it cannot be read.
func (p *Process) PeakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) { _ = p.cmd.Process.Signal(sig) }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Wait waits for the process to exit and returns its exit code.
func (p *Process) Wait(timeout time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return -1, fmt.Errorf("process did not exit within %s", timeout)
	}
	if p.err == nil {
		return 0, nil
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode(), nil
	}
	return -1, p.err
}

// Logs returns everything the process logged so far.
func (p *Process) Logs() string { return p.logs.String() }

// Run runs hocvu to completion and returns its exit code, stdout and stderr.
func Run(t testing.TB, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

type logBuffer struct {
	mu     sync.Mutex
	lines  []string
	closed bool
	cond   *sync.Cond
}

func newLogBuffer() *logBuffer {
	b := &logBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *logBuffer) add(line string) {
	b.mu.Lock()
	b.lines = append(b.lines, line)
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *logBuffer) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cond.Broadcast()
}

// wait returns line i once it exists; false when the stream ended first or
// the deadline passed.
func (b *logBuffer) wait(i int, deadline <-chan time.Time) (string, bool) {
	timedOut := false
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-deadline:
			b.mu.Lock()
			timedOut = true
			b.mu.Unlock()
			b.cond.Broadcast()
		case <-stop:
		}
	}()
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.lines) <= i && !b.closed && !timedOut {
		b.cond.Wait()
	}
	if len(b.lines) > i {
		return b.lines[i], true
	}
	return "", false
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

// Main runs the tests of a package that uses Binary and removes the built
// binary afterwards: func TestMain(m *testing.M) { proctest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// WaitReady polls /readyz until it answers 200 (read models caught up).
func (p *Process) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		res, err := http.Get(p.URL() + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s (last: %v)", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
