package kurrenttest

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hocvu/hocvu/eventstore"
)

// filter is a subscription's server-side filter.
type filter struct {
	onType   bool
	prefixes []string
	re       *regexp.Regexp
}

func (f *filter) match(e eventstore.RecordedEvent) bool {
	s := e.Stream
	if f.onType {
		s = e.Type
	}
	if f.re != nil {
		return f.re.MatchString(s)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// subscribeAll serves a subscription to $all, in named steps:
//
//	subscriptionFilter  the server-side filter and its checkpoint interval
//	subscriptionStart   the position the subscription starts after
//	recvError           the status a failed receive from the store ends it with
//	subscriber.pass     one message of the store: an event, or the news of going live
func (x *streamsServer) subscribeAll(o *streams.ReadReq_Options, structured bool, call streams.Streams_ReadServer) error {
	srv := x.srv
	ctx, cancel := context.WithCancelCause(call.Context())
	defer cancel(nil)
	a := &activeSub{cancel: cancel}
	srv.addSub(a)
	defer srv.removeSub(a)

	f, interval, err := subscriptionFilter(o.GetFilter())
	if err != nil {
		return err
	}
	after, err := x.subscriptionStart(ctx, o.GetAll())
	if err != nil {
		return err
	}
	sub, err := srv.store.SubscribeAll(ctx, eventstore.SubscribeOptions{After: after})
	if err != nil {
		return storeError(err)
	}
	defer sub.Close()
	if err := call.Send(&streams.ReadResp{Content: &streams.ReadResp_Confirmation{Confirmation: &streams.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}}); err != nil {
		return err
	}
	s := &subscriber{call: call, structured: structured, filter: f, interval: interval, noCaughtUp: srv.opts.NoCaughtUp}
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			return recvError(ctx, err)
		}
		if err := s.pass(m); err != nil {
			return err
		}
	}
}

// subscriptionFilter reads a subscription's filter (nil for none) and the
// number of events it considers between checkpoints.
func subscriptionFilter(fo *streams.ReadReq_Options_FilterOptions) (*filter, int, error) {
	if fo == nil {
		return nil, 0, nil
	}
	expr := fo.GetEventType()
	f := &filter{onType: expr != nil}
	if expr == nil {
		expr = fo.GetStreamIdentifier()
	}
	if expr == nil {
		return nil, 0, status.Error(codes.InvalidArgument, "filter without an expression")
	}
	f.prefixes = expr.GetPrefix()
	if r := expr.GetRegex(); r != "" {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, 0, status.Errorf(codes.InvalidArgument, "bad filter regex: %v", err)
		}
		f.re = re
	}
	window := uint32(32) // KurrentDB's read batch size, for the Count window
	if m := fo.GetMax(); m > 0 {
		window = m
	}
	mult := fo.GetCheckpointIntervalMultiplier()
	if mult == 0 {
		return nil, 0, status.Error(codes.InvalidArgument, "checkpointIntervalMultiplier must not be zero")
	}
	return f, int(window * mult), nil
}

// subscriptionStart is the position a subscription to $all starts after:
// the start, the head of the log now, or a given position.
func (x *streamsServer) subscriptionStart(ctx context.Context, ao *streams.ReadReq_Options_AllOptions) (eventstore.Position, error) {
	switch p := ao.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Start:
		return eventstore.Position{}, nil
	case *streams.ReadReq_Options_AllOptions_End:
		head, err := x.srv.store.Head(ctx)
		if err != nil {
			return eventstore.Position{}, storeError(err)
		}
		return head, nil
	case *streams.ReadReq_Options_AllOptions_Position:
		return eventstore.Position{Commit: p.Position.GetCommitPosition(), Prepare: p.Position.GetPreparePosition()}, nil
	default:
		return eventstore.Position{}, status.Error(codes.InvalidArgument, "no $all position")
	}
}

// recvError is the status a subscription ends with when receiving from
// the store fails: Unavailable when the test dropped it, the context's
// status when the call ended, the store's error otherwise.
func recvError(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errDropped) {
		return status.Error(codes.Unavailable, "kurrenttest: subscription dropped by the test")
	}
	if ctx.Err() != nil {
		return status.FromContextError(ctx.Err()).Err()
	}
	return storeError(err)
}

// subscriber is the state of one subscription to $all: what it sends and
// how far it has looked.
type subscriber struct {
	call       streams.Streams_ReadServer
	structured bool
	filter     *filter // nil: every event, and no checkpoints
	interval   int     // events considered between checkpoints
	noCaughtUp bool    // Options.NoCaughtUp

	considered   eventstore.Position // last event looked at
	checkpointed eventstore.Position // last checkpoint sent
	counter      int                 // events considered since the last checkpoint
	caughtUp     bool
}

// pass handles one message of the store's subscription.
func (s *subscriber) pass(m eventstore.Message) error {
	switch {
	case m.Event != nil:
		return s.event(*m.Event)
	case m.CaughtUp && !s.caughtUp:
		return s.goLive()
	}
	return nil
}

// event sends e when it passes the filter, and a checkpoint every
// interval events considered.
func (s *subscriber) event(e eventstore.RecordedEvent) error {
	s.considered = e.Position
	if s.filter == nil || s.filter.match(e) {
		if err := s.call.Send(eventResp(e, s.structured, true)); err != nil {
			return err
		}
	}
	if s.filter == nil {
		return nil
	}
	s.counter++
	if s.counter < s.interval {
		return nil
	}
	s.counter = 0
	return s.checkpoint()
}

// goLive handles the news that the subscription reached the head of the
// log: a checkpoint (when filtered), then CaughtUp unless the server
// leaves it out.
func (s *subscriber) goLive() error {
	s.caughtUp = true
	if s.filter != nil {
		// KurrentDB issues a checkpoint when going live.
		if err := s.checkpoint(); err != nil {
			return err
		}
	}
	if s.noCaughtUp {
		return nil
	}
	return s.call.Send(&streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}})
}

// checkpoint sends the position of the last event considered, unless it
// was sent already.
func (s *subscriber) checkpoint() error {
	if s.considered.IsStart() || s.considered.Compare(s.checkpointed) <= 0 {
		return nil
	}
	s.checkpointed = s.considered
	return s.call.Send(&streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{Checkpoint: &streams.ReadResp_Checkpoint{
		CommitPosition: s.considered.Commit, PreparePosition: s.considered.Prepare,
	}}})
}
