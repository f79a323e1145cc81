package main_test

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/internal/proctest"
)

// TestStartupWaitsForKurrentDB: serve started before KurrentDB waits for
// it, saying what it waits for, and serves once it appears.
func TestStartupWaitsForKurrentDB(t *testing.T) {
	kdb := kurrenttest.New(t, kurrenttest.Options{})
	kdb.Stop() // not up yet
	env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+kdb.URL()+"&maxDiscoverAttempts=1")
	p := proctest.StartNoWait(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	if err := p.WaitLog("waiting for KurrentDB to become reachable", time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	if !strings.Contains(p.Logs(), kdb.Addr()) {
		t.Errorf("the waiting line does not say where:\n%s", p.Logs())
	}
	if err := kdb.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitServing(time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	if err := p.WaitReady(time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	if !strings.Contains(p.Logs(), "KurrentDB is reachable") {
		t.Errorf("no line saying the wait is over:\n%s", p.Logs())
	}
}

// TestStartupWaitIsBounded: without a server, serve gives up after
// --startup-wait and says so; wrong settings fail at once, without waiting.
func TestStartupWaitIsBounded(t *testing.T) {
	kdb := kurrenttest.New(t, kurrenttest.Options{})
	kdb.Stop()
	url := kdb.URL() + "&maxDiscoverAttempts=1"
	code, _, stderr := proctest.Run(t, []string{"HOCVU_EVENTSTORE_URL=" + url, "HOCVU_STARTUP_WAIT=1s"}, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir())
	if code == 0 || !strings.Contains(stderr, "was not reachable within 1s") || !strings.Contains(stderr, "HOCVU_STARTUP_WAIT") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = proctest.Run(t, []string{"HOCVU_EVENTSTORE_URL=kurrentdb://127.0.0.1:1?tsl=false"}, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir())
	if code == 0 || strings.Contains(stderr, "waiting for") || !strings.Contains(stderr, "unknown setting") {
		t.Fatalf("bad connection string: exit %d, stderr:\n%s", code, stderr)
	}
}

// gate is a TCP proxy to target that drops every connection until opened:
// a server that is not up yet, on a port the test owns.
type gate struct {
	ln     net.Listener
	target string
	open   atomic.Bool
	wg     sync.WaitGroup
}

func newGate(t *testing.T, target string) *gate {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{ln: ln, target: target}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !g.open.Load() {
				_ = c.Close()
				continue
			}
			g.wg.Add(1)
			go func() { defer g.wg.Done(); g.pipe(c) }()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); g.wg.Wait() })
	return g
}

func (g *gate) pipe(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", g.target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// TestStartupWaitsForClickHouse: the projector started before ClickHouse
// accepts connections waits for it, then projects.
func TestStartupWaitsForClickHouse(t *testing.T) {
	ch := chtest.Start(t)
	g := newGate(t, ch.Addr())
	u, err := url.Parse(ch.DSN("hocvu_startup"))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = g.ln.Addr().String()
	env := []string{"HOCVU_CLICKHOUSE_URL=" + u.String(), "HOCVU_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef"}
	p := proctest.StartNoWait(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir())
	if err := p.WaitLog("waiting for ClickHouse to become reachable", time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	g.open.Store(true)
	if err := p.WaitServing(time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	if err := p.WaitReady(time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
}
