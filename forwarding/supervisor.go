package forwarding

import (
	"context"
	"sync"
	"time"
)

// Supervisor runs one forwarder per active forward of the registry,
// starting, restarting (after a change) and stopping them as the
// configuration events say, while this process holds the gate.
type Supervisor struct {
	env *Env

	mu      sync.Mutex
	running map[string]*running
}

type running struct {
	w       *forwarder
	version uint64
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewSupervisor creates a supervisor; call Run.
func NewSupervisor(env Env) *Supervisor {
	env.defaults()
	return &Supervisor{env: &env, running: map[string]*running{}}
}

// Run supervises until ctx ends, then stops every forwarder.
func (s *Supervisor) Run(ctx context.Context) {
	defer s.stopAll()
	var poll <-chan time.Time
	if s.env.Gate != nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		poll = t.C
	}
	for {
		changed := s.env.Registry.Changed()
		if s.env.Gate == nil || s.env.Gate.Holding() {
			s.reconcile(ctx)
		} else {
			s.stopAll()
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-poll:
		}
	}
}

// reconcile makes the running forwarders match the registry.
func (s *Supervisor) reconcile(ctx context.Context) {
	want := map[string]State{}
	for _, st := range s.env.Registry.List() {
		if !st.Paused {
			want[st.ID] = st
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.running {
		if st, ok := want[id]; !ok || st.Version != r.version {
			r.stop()
			delete(s.running, id)
		}
	}
	for id, st := range want {
		if r, ok := s.running[id]; ok {
			select { // a retry request may have arrived
			case r.w.retry <- struct{}{}:
			default:
			}
			continue
		}
		rctx, cancel := context.WithCancel(ctx)
		r := &running{w: newForwarder(s.env, st), version: st.Version, cancel: cancel, done: make(chan struct{})}
		s.running[id] = r
		go func() {
			defer close(r.done)
			r.w.run(rctx)
		}()
	}
}

func (r *running) stop() {
	r.cancel()
	<-r.done
}

func (s *Supervisor) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.running {
		r.stop()
		delete(s.running, id)
	}
}

// Live returns the progress of a forward this process delivers.
func (s *Supervisor) Live(id string) (Live, bool) {
	s.mu.Lock()
	r, ok := s.running[id]
	s.mu.Unlock()
	if !ok {
		return Live{}, false
	}
	return r.w.live(), true
}

// Running lists the forwards this process delivers, with their progress.
func (s *Supervisor) Running() map[string]Live {
	s.mu.Lock()
	ws := make(map[string]*forwarder, len(s.running))
	for _, r := range s.running {
		ws[r.w.fwd.Name] = r.w
	}
	s.mu.Unlock()
	out := make(map[string]Live, len(ws))
	for name, w := range ws {
		out[name] = w.live()
	}
	return out
}
