package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// replayPage is how many events ReplayStream reads at a time.
const replayPage = 500

// ReplayStream calls apply for every event of stream, in order. A stream
// that does not exist has no events.
func ReplayStream(ctx context.Context, r StreamReader, stream string, apply func(*RecordedEvent)) error {
	return replayFrom(ctx, r, stream, 0, replayPage, apply)
}

// replayFrom calls apply for every event of stream from revision from
// on, reading page events at a time.
func replayFrom(ctx context.Context, r StreamReader, stream string, from uint64, page int, apply func(*RecordedEvent)) error {
	for {
		evs, err := r.ReadStream(ctx, stream, ReadStreamOptions{From: from, Max: page})
		if errors.Is(err, ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("replay %s: %w", stream, err)
		}
		for i := range evs {
			apply(&evs[i])
		}
		if len(evs) < page {
			return nil
		}
		from = evs[len(evs)-1].Revision + 1
	}
}

// FollowStream calls apply for each event of stream appended after the
// position after returns, until ctx ends. When the subscription fails it
// reports the error to failed, waits a second and subscribes again from
// after's new answer, so apply must skip events it has already seen.
func FollowStream(ctx context.Context, s Subscriber, stream string, after func() Position, apply func(*RecordedEvent), failed func(error)) {
	for ctx.Err() == nil {
		sub, err := s.SubscribeAll(ctx, SubscribeOptions{After: after(), Filter: Filter{StreamPrefixes: []string{stream}}})
		if err == nil {
			err = follow(ctx, sub, stream, apply)
			_ = sub.Close()
		}
		if ctx.Err() != nil {
			return
		}
		failed(err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}

func follow(ctx context.Context, sub Subscription, stream string, apply func(*RecordedEvent)) error {
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			return err
		}
		// The filter is a prefix: other streams may start with this name.
		if m.Event != nil && m.Event.Stream == stream {
			apply(m.Event)
		}
	}
}
