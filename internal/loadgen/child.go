package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// runChild runs the binary with args to its end, copying its output to
// progress, and returns the output.
func runChild(ctx context.Context, binary string, progress io.Writer, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, binary, args...)
	var buf strings.Builder
	// One writer for both streams: os/exec then writes to it from one
	// goroutine at a time (two MultiWriters would race on buf).
	out := io.MultiWriter(&buf, progress)
	cmd.Stdout = out
	cmd.Stderr = out
	err := cmd.Run()
	return buf.String(), err
}

var statementsRE = regexp.MustCompile(`(\d+) statements from`)

// countStatements reads the statement count simulate printed (0 when it
// printed none).
func countStatements(out string) int64 {
	m := statementsRE.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// child is a running hocvu serve.
type child struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// stop interrupts the child and waits for it to end (killing it after a
// minute). It may be called more than once.
func (c *child) stop() {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// startServe starts hocvu serve and waits for its address. Its WARN and
// ERROR log lines go to progress.
func startServe(ctx context.Context, binary string, progress io.Writer, args []string, env ...string) (*child, error) {
	cmd := exec.Command(binary, append([]string{"--log-format=json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				if rec["msg"] == "hocvu serving" {
					a, _ := rec["addr"].(string)
					addr <- a
				}
				if lvl, _ := rec["level"].(string); lvl == "ERROR" || lvl == "WARN" {
					fmt.Fprintln(progress, sc.Text())
				}
			}
		}
		_ = cmd.Wait()
		close(c.done)
	}()
	select {
	case c.url = <-addr:
		return c, nil
	case <-c.done:
		return nil, errors.New("hocvu serve exited before serving")
	case <-time.After(5 * time.Minute):
		c.stop()
		return nil, errors.New("hocvu serve did not start within 5 minutes")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}
