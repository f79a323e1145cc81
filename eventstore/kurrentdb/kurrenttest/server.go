// Package kurrenttest is a TEST-ONLY, in-process fake of a KurrentDB
// (EventStoreDB) server, for running the kurrentdb adapter and the
// eventstore contract suite over the real gRPC protocol without a server.
// Never use it to store data anyone cares about.
//
// It serves the Streams service generated in the client module
// (github.com/EventStore/EventStore-Client-Go/v4/protos/streams) on
// 127.0.0.1 with a port chosen by the system, backed by an eventstore.Store
// (normally the embedded pebblestore), which decides expected revisions,
// idempotency, ordering and durability. It implements the subset of the
// protocol that the Go client v4.2.0 and the adapter use, with KurrentDB's
// semantics as read in the KurrentDB source:
//
//   - Append: expected revision (any, no stream, stream exists, exact),
//     idempotency and atomicity from the backing store; a conflict answers
//     WrongExpectedVersion with the current revision (both the 20.6 and the
//     current fields); an idempotent retry answers success without a
//     position, as KurrentDB does; an event larger than
//     MaxAppendEventSize fails the append with InvalidArgument "Event with
//     Id: …, Size: …, exceeds Maximum Append Event Size of N." and an
//     append larger than MaxAppendSize with InvalidArgument "Maximum Append
//     Size of N Exceeded.", each with its exception trailer, as soon as the
//     offending event is read (the client may still be sending: with a
//     small Window it then sees the call cut, as with a real server). Sizes
//     are counted as KurrentDB 24.10.4 and later count them: data plus
//     metadata plus twice the event type's length.
//   - Read of a stream: forwards or backwards, from a revision, the start
//     or (backwards) the end, up to count events; StreamNotFound for a
//     stream with no events. Backwards from revision r reads revisions
//     r-count+1..r only, like KurrentDB (so beyond the end it returns
//     nothing). Events carry type, content-type and created metadata and
//     their $all position.
//   - Read of $all: forwards from the start or a position (inclusive),
//     backwards from the end or before a position. Backwards reads assume
//     the backing store's positions are integers with Commit == Prepare (as
//     pebblestore's are).
//   - Subscriptions to $all: a Confirmation first; from the start, a
//     position (exclusive) or the end; optional filter on event type or
//     stream name by prefixes or regular expression (Go syntax); for a
//     filtered subscription a Checkpoint every window × multiplier
//     considered events and one when it goes live, like KurrentDB 24.x;
//     CaughtUp when it reaches the head (unless Options.NoCaughtUp, which
//     mimics older servers); then live events.
//   - Tombstone (hard delete), with KurrentDB's semantics: the expected
//     revision is checked as for an append; then every read of the stream
//     and every append to it fails with the stream-deleted exception
//     (FailedPrecondition, trailers exception=stream-deleted and
//     stream-name, which the client reports as ErrorCodeStreamDeleted),
//     forever: the name can never be reused, and a second tombstone fails
//     the same way. The tombstone is stored as a "$streamDeleted" event at
//     the end of the stream in the backing store (so it survives a
//     restart). The stream's events stay in the backing store and in reads
//     and subscriptions of $all, as in a KurrentDB until a scavenge; the
//     fake has no scavenge.
//   - TLS and HTTP Basic credentials when configured (Options.TLS,
//     Options.Users), and which users may read $all (Options.AllReaders).
//
// Not implemented (the adapter does not use them; they answer
// Unimplemented): stream subscriptions, filtered reads that are not
// subscriptions, Delete (soft delete), BatchAppend, persistent subscriptions,
// projections, gossip (so only single-node esdb://host:port connection
// strings work) and ServerFeatures (the client then treats the server as an
// old one, which is fine). Link resolution, stream metadata (max count,
// truncation, ACLs) and system events are not modelled, except that events
// whose type starts with "$" can be stored through the backing store to
// stand for system events. FellBehind is never sent.
//
// For reconnection tests, Stop drops every connection and refuses new
// ones, Resume listens again on the same address, Restart does both, and
// DropSubscriptions ends the subscription streams with Unavailable while
// connections stay up.
package kurrenttest

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// Options configure the fake server. The zero value is sensible.
type Options struct {
	// MaxAppendSize bounds the total size of one append in bytes, like
	// KurrentDB's MaxAppendSize, whose default is 1 MiB. Default here:
	// MaxAppendSizeLimit, the most KurrentDB accepts as a setting, so that
	// the contract suite's large events fit.
	MaxAppendSize int
	// MaxAppendEventSize bounds each event of an append, like KurrentDB's
	// MaxAppendEventSize (24.10.4 and later; unlimited by default, as
	// here when zero).
	MaxAppendEventSize int
	// Window, when set, fixes the HTTP/2 flow-control windows of the
	// server at this many bytes (gRPC's minimum is 64 KiB) instead of
	// letting them grow. A refused append larger than the windows is then
	// cut while the client is still sending it, which is what a client
	// sees from a real server when the append is large.
	Window int
	// NoCaughtUp makes subscriptions never send CaughtUp, like older
	// servers.
	NoCaughtUp bool
	// Dir is where New keeps the backing store (default: a new
	// t.TempDir()), for tests that look at the server's files.
	Dir string
	// TLS, when set, makes the server speak TLS (tls=true connection
	// strings).
	TLS *tls.Config
	// Users, when not empty, requires HTTP Basic credentials (user name →
	// password) on every call and answers Unauthenticated otherwise. The
	// client sends credentials only over TLS.
	Users map[string]string
	// AllReaders, when not nil, are the users who may read $all (reads
	// and subscriptions), like KurrentDB's $admins (or the readers an ACL
	// on $all names); the others get PermissionDenied "Access Denied" with
	// the access-denied exception trailer, as KurrentDB answers them.
	AllReaders map[string]bool
}

// MaxAppendSizeLimit is the largest MaxAppendSize KurrentDB accepts as a
// setting (TFConsts.EffectiveMaxLogRecordSize: 16 MiB less 10,000 bytes of
// record overhead); a larger value stops the server at start.
const MaxAppendSizeLimit = 16<<20 - 10000

// Server is the fake. Create it with Start or New.
type Server struct {
	store eventstore.Store
	opts  Options
	addr  string

	deletes sync.RWMutex // Tombstone holds it; appends read-hold it

	mu      sync.Mutex
	gs      *grpc.Server
	served  chan struct{} // closed when the current Serve returned
	subs    map[*activeSub]struct{}
	stopped bool
}

type activeSub struct{ cancel context.CancelCauseFunc }

// errDropped is the cause given to subscriptions ended by DropSubscriptions.
var errDropped = errors.New("kurrenttest: subscription dropped")

// Start serves a fake KurrentDB backed by store on 127.0.0.1. The caller
// owns store and must Close the server before closing the store.
func Start(store eventstore.Store, opts Options) (*Server, error) {
	if opts.MaxAppendSize <= 0 {
		opts.MaxAppendSize = MaxAppendSizeLimit
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("kurrenttest: listen: %w", err)
	}
	s := &Server{store: store, opts: opts, addr: ln.Addr().String(), subs: map[*activeSub]struct{}{}}
	s.serve(ln)
	return s, nil
}

// New starts a fake server backed by a new pebblestore in t.TempDir() and
// closes both when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	dir := opts.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	store, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		t.Fatalf("kurrenttest: open backing store: %v", err)
	}
	s, err := Start(store, opts)
	if err != nil {
		_ = store.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		_ = store.Close()
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is a connection string for the server: esdb://127.0.0.1:port with
// tls=false, or tls=true when the server has a TLS configuration (the
// caller then adds tlsCAFile or tlsVerifyCert=false, and credentials).
func (s *Server) URL() string {
	tlsOn := "false"
	if s.opts.TLS != nil {
		tlsOn = "true"
	}
	return "esdb://" + s.addr + "?tls=" + tlsOn
}

// Store is the backing store. Appending to it directly is how tests add
// events while the server is down, or events with a "$" type.
func (s *Server) Store() eventstore.Store { return s.store }

func (s *Server) serve(ln net.Listener) {
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(s.opts.MaxAppendSize + 1<<20),
		// The client pings every 10 s even without calls; the default
		// policy would answer that with GOAWAY.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
		grpc.WaitForHandlers(true),
	}
	if s.opts.Window > 0 {
		opts = append(opts, grpc.InitialWindowSize(int32(s.opts.Window)), grpc.InitialConnWindowSize(int32(s.opts.Window)))
	}
	if s.opts.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.opts.TLS)))
	}
	if len(s.opts.Users) > 0 {
		opts = append(opts,
			grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				if err := s.authenticate(ctx); err != nil {
					return nil, err
				}
				return h(ctx, req)
			}),
			grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
				if err := s.authenticate(ss.Context()); err != nil {
					return err
				}
				return h(srv, ss)
			}))
	}
	gs := grpc.NewServer(opts...)
	streams.RegisterStreamsServer(gs, &streamsServer{srv: s})
	served := make(chan struct{})
	s.gs, s.served = gs, served
	go func() {
		defer close(served)
		_ = gs.Serve(ln)
	}()
}

func (s *Server) authenticate(ctx context.Context) error {
	if _, ok := s.user(ctx); ok {
		return nil
	}
	return status.Error(codes.Unauthenticated, "Bad username or password")
}

// user returns the authenticated user of a call.
func (s *Server) user(ctx context.Context) (string, bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		raw, ok := strings.CutPrefix(v, "Basic ")
		if !ok {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			continue
		}
		user, pass, _ := strings.Cut(string(b), ":")
		if want, ok := s.opts.Users[user]; ok && want == pass {
			return user, true
		}
	}
	return "", false
}

// mayReadAll applies Options.AllReaders to a read of $all.
func (s *Server) mayReadAll(call grpc.ServerStream) error {
	if s.opts.AllReaders == nil {
		return nil
	}
	if user, _ := s.user(call.Context()); s.opts.AllReaders[user] {
		return nil
	}
	call.SetTrailer(metadata.Pairs("exception", "access-denied"))
	return status.Error(codes.PermissionDenied, "Access Denied")
}

// Stop closes the listener and every connection, cancelling every call in
// flight, and waits for the handlers to return. Until Resume, connections
// are refused.
func (s *Server) Stop() {
	s.mu.Lock()
	gs, served := s.gs, s.served
	s.gs, s.served = nil, nil
	s.mu.Unlock()
	if gs != nil {
		gs.Stop()
		<-served
	}
}

// Resume serves again on the same address after Stop.
func (s *Server) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("kurrenttest: server closed")
	}
	if s.gs != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("kurrenttest: listen again on %s: %w", s.addr, err)
	}
	s.serve(ln)
	return nil
}

// Restart is Stop then Resume: every connection drops, and the server is
// back at once on the same address.
func (s *Server) Restart() error {
	s.Stop()
	return s.Resume()
}

// DropSubscriptions ends every active subscription stream with status
// Unavailable, leaving connections up, and returns how many it ended. (A
// stream that is blocked sending to a client that does not read ends once
// it can send again.)
func (s *Server) DropSubscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a := range s.subs {
		a.cancel(errDropped)
	}
	return len(s.subs)
}

// Subscriptions returns the number of active subscription streams.
func (s *Server) Subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// Close stops the server for good. It does not close the backing store.
func (s *Server) Close() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.Stop()
}

func (s *Server) addSub(a *activeSub) {
	s.mu.Lock()
	s.subs[a] = struct{}{}
	s.mu.Unlock()
}

func (s *Server) removeSub(a *activeSub) {
	s.mu.Lock()
	delete(s.subs, a)
	s.mu.Unlock()
}
