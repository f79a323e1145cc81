package kurrenttest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hocvu/hocvu/eventstore"
)

// pageSize bounds one read of the backing store.
const pageSize = 1024

type streamsServer struct {
	streams.UnimplementedStreamsServer
	srv *Server
}

// Append implements the Streams.Append call.
func (x *streamsServer) Append(call streams.Streams_AppendServer) error {
	ctx := call.Context()
	first, err := call.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the first append message must be the options")
	}
	stream := string(opts.GetStreamIdentifier().GetStreamName())
	var expected eventstore.ExpectedRevision
	switch v := opts.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Revision:
		expected = eventstore.Exact(v.Revision)
	case *streams.AppendReq_Options_NoStream:
		expected = eventstore.NoStream
	case *streams.AppendReq_Options_StreamExists:
		expected = eventstore.StreamExists
	case *streams.AppendReq_Options_Any:
		expected = eventstore.Any
	default:
		return status.Errorf(codes.InvalidArgument, "no expected stream revision")
	}
	var events []eventstore.EventData
	size := 0
	for {
		req, err := call.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		m := req.GetProposedMessage()
		if m == nil {
			return status.Error(codes.InvalidArgument, "expected a proposed message")
		}
		typ, ok := m.GetMetadata()["type"]
		if !ok {
			return status.Error(codes.InvalidArgument, "Required Metadata Property 'type' is missing")
		}
		if _, ok := m.GetMetadata()["content-type"]; !ok {
			return status.Error(codes.InvalidArgument, "Required Metadata Property 'content-type' is missing")
		}
		id, err := fromProtoUUID(m.GetId())
		if err != nil {
			return status.Error(codes.InvalidArgument, err.Error())
		}
		// KurrentDB's Event.SizeOnDisk: the type counts twice (UTF-16).
		eventSize := 2*len(typ) + len(m.GetData()) + len(m.GetCustomMetadata())
		if limit := x.srv.opts.MaxAppendEventSize; limit > 0 && eventSize > limit {
			call.SetTrailer(metadata.Pairs("exception", "maximum-append-event-size-exceeded",
				"maximum-append-event-size", strconv.Itoa(limit), "event-id", id.String(), "proposed-event-size", strconv.Itoa(eventSize)))
			return status.Errorf(codes.InvalidArgument, "Event with Id: %s, Size: %d, exceeds Maximum Append Event Size of %d.", id, eventSize, limit)
		}
		size += eventSize
		if size > x.srv.opts.MaxAppendSize {
			call.SetTrailer(metadata.Pairs("exception", "maximum-append-size-exceeded", "maximum-append-size", strconv.Itoa(x.srv.opts.MaxAppendSize)))
			return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", x.srv.opts.MaxAppendSize)
		}
		events = append(events, eventstore.EventData{ID: id, Type: typ, Data: m.GetData(), Metadata: m.GetCustomMetadata()})
	}
	store := x.srv.store
	// The check for a tombstone and the append are one step against a
	// concurrent Tombstone.
	x.srv.deletes.RLock()
	defer x.srv.deletes.RUnlock()
	if deleted, err := x.srv.tombstoned(ctx, stream); err != nil {
		return storeError(err)
	} else if deleted {
		return streamDeleted(call.SetTrailer, stream)
	}
	before, err := store.Head(ctx)
	if err != nil {
		return storeError(err)
	}
	res, err := store.Append(ctx, stream, expected, events...)
	var wer *eventstore.WrongExpectedRevisionError
	switch {
	case errors.As(err, &wer):
		return call.SendAndClose(&streams.AppendResp{Result: &streams.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: wrongExpectedVersion(wer)}})
	case err != nil:
		return storeError(err)
	}
	ok := &streams.AppendResp_Success{
		CurrentRevisionOption: &streams.AppendResp_Success_CurrentRevision{CurrentRevision: res.NextExpectedRevision},
	}
	if res.Position.Compare(before) <= 0 {
		// Nothing new was written: an idempotent retry. KurrentDB answers
		// those without a position.
		ok.PositionOption = &streams.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	} else {
		ok.PositionOption = &streams.AppendResp_Success_Position{Position: &streams.AppendResp_Position{
			CommitPosition: res.Position.Commit, PreparePosition: res.Position.Prepare,
		}}
	}
	return call.SendAndClose(&streams.AppendResp{Result: &streams.AppendResp_Success_{Success: ok}})
}

func wrongExpectedVersion(wer *eventstore.WrongExpectedRevisionError) *streams.AppendResp_WrongExpectedVersion {
	w := &streams.AppendResp_WrongExpectedVersion{}
	switch e := wer.Expected; {
	case e.IsAny():
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	case e.IsStreamExists():
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	case e.IsNoStream():
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: ^uint64(0)}
	default:
		rev, _ := e.Revision()
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: rev}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: rev}
	}
	if wer.ActualExists {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: wer.Actual}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: wer.Actual}
	} else {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	}
	return w
}

// storeError turns an error of the backing store into a gRPC status.
func storeError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, eventstore.ErrInvalidEvent):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, eventstore.ErrClosed):
		return status.Error(codes.Unavailable, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// Read implements the Streams.Read call: reads and subscriptions.
func (x *streamsServer) Read(req *streams.ReadReq, call streams.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "no read options")
	}
	structured := o.GetUuidOption().GetString_() == nil
	if o.GetAll() != nil {
		if err := x.srv.mayReadAll(call); err != nil {
			return err
		}
	}
	if o.GetSubscription() != nil {
		if o.GetAll() == nil {
			return status.Error(codes.Unimplemented, "kurrenttest: stream subscriptions are not implemented")
		}
		return x.subscribeAll(o, structured, call)
	}
	if o.GetFilter() != nil {
		return status.Error(codes.Unimplemented, "kurrenttest: filtered reads are not implemented")
	}
	count := o.GetCount()
	backwards := o.GetReadDirection() == streams.ReadReq_Options_Backwards
	if so := o.GetStream(); so != nil {
		return x.readStream(call, so, backwards, count, structured)
	}
	if ao := o.GetAll(); ao != nil {
		return x.readAll(call, ao, backwards, count, structured)
	}
	return status.Error(codes.InvalidArgument, "read of neither a stream nor $all")
}

func (x *streamsServer) readStream(call streams.Streams_ReadServer, so *streams.ReadReq_Options_StreamOptions, backwards bool, count uint64, structured bool) error {
	ctx := call.Context()
	name := string(so.GetStreamIdentifier().GetStreamName())
	store := x.srv.store
	if deleted, err := x.srv.tombstoned(ctx, name); err != nil {
		return storeError(err)
	} else if deleted {
		return streamDeleted(call.SetTrailer, name)
	}
	var dir eventstore.Direction
	var from uint64
	fromEnd := false
	switch r := so.GetRevisionOption().(type) {
	case *streams.ReadReq_Options_StreamOptions_Start:
		from = 0
	case *streams.ReadReq_Options_StreamOptions_End:
		fromEnd = true
	case *streams.ReadReq_Options_StreamOptions_Revision:
		from = r.Revision
	default:
		return status.Error(codes.InvalidArgument, "no revision option")
	}
	if backwards {
		dir = eventstore.Backwards
	}
	if !backwards && fromEnd {
		// Forwards from the end reads what comes after the last event:
		// nothing, but a missing stream is still reported.
		count = 0
	}
	// lowest is the least revision a backwards read from a revision may
	// return: KurrentDB reads the range from-count+1..from.
	lowest := uint64(0)
	if backwards && !fromEnd && from+1 > count {
		lowest = from + 1 - count
	}
	sent := uint64(0)
	first := true
	for first || sent < count {
		n := min(count-sent, pageSize)
		if n == 0 {
			n = 1 // still ask, to learn whether the stream exists
		}
		page, err := store.ReadStream(ctx, name, eventstore.ReadStreamOptions{Direction: dir, From: from, FromEnd: fromEnd, Max: int(n)})
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return call.Send(&streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{StreamNotFound: &streams.ReadResp_StreamNotFound{
				StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
			}}})
		}
		if err != nil {
			return storeError(err)
		}
		first = false
		if count == 0 {
			return nil
		}
		for _, e := range page {
			if backwards && e.Revision < lowest {
				return nil
			}
			if err := call.Send(eventResp(e, structured, false)); err != nil {
				return err
			}
			sent++
		}
		if uint64(len(page)) < n {
			return nil
		}
		last := page[len(page)-1].Revision
		fromEnd = false
		if backwards {
			if last == 0 {
				return nil
			}
			from = last - 1
		} else {
			from = last + 1
		}
	}
	return nil
}

func (x *streamsServer) readAll(call streams.Streams_ReadServer, ao *streams.ReadReq_Options_AllOptions, backwards bool, count uint64, structured bool) error {
	ctx := call.Context()
	store := x.srv.store
	var from eventstore.Position
	fromEnd := false
	switch p := ao.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Start:
	case *streams.ReadReq_Options_AllOptions_End:
		fromEnd = true
	case *streams.ReadReq_Options_AllOptions_Position:
		from = eventstore.Position{Commit: p.Position.GetCommitPosition(), Prepare: p.Position.GetPreparePosition()}
	default:
		return status.Error(codes.InvalidArgument, "no $all position")
	}
	if backwards {
		evs, err := x.readAllBackwards(ctx, from, fromEnd, count)
		if err != nil {
			return storeError(err)
		}
		for _, e := range evs {
			if err := call.Send(eventResp(e, structured, true)); err != nil {
				return err
			}
		}
		return nil
	}
	if fromEnd {
		return nil
	}
	sent := uint64(0)
	for sent < count {
		n := min(count-sent, pageSize)
		page, err := store.ReadAll(ctx, eventstore.ReadAllOptions{From: from, Max: int(n)})
		if err != nil {
			return storeError(err)
		}
		for _, e := range page {
			if err := call.Send(eventResp(e, structured, true)); err != nil {
				return err
			}
		}
		sent += uint64(len(page))
		if uint64(len(page)) < n {
			return nil
		}
		last := page[len(page)-1].Position
		from = eventstore.Position{Commit: last.Commit + 1, Prepare: last.Prepare + 1}
	}
	return nil
}

// readAllBackwards returns up to count events before the position (or from
// the end), newest first. The backing store reads only forwards, so it
// reads windows ending at the start position, widening them until they hold
// enough events; positions are assumed to be integers with Commit ==
// Prepare.
func (x *streamsServer) readAllBackwards(ctx context.Context, before eventstore.Position, fromEnd bool, count uint64) ([]eventstore.RecordedEvent, error) {
	store := x.srv.store
	var end uint64 // last position that may be returned
	if fromEnd {
		head, err := store.Head(ctx)
		if err != nil {
			return nil, err
		}
		end = head.Commit
	} else {
		if before.Commit == 0 {
			return nil, nil
		}
		end = before.Commit - 1
	}
	if end == 0 || count == 0 {
		return nil, nil
	}
	count = min(count, 1<<20)
	width := count
	for {
		lo := uint64(1)
		if end > width {
			lo = end - width + 1
		}
		var window []eventstore.RecordedEvent
		pos := eventstore.Position{Commit: lo, Prepare: lo}
		for {
			page, err := store.ReadAll(ctx, eventstore.ReadAllOptions{From: pos, Max: pageSize})
			if err != nil {
				return nil, err
			}
			done := len(page) < pageSize
			for _, e := range page {
				if e.Position.Commit > end {
					done = true
					break
				}
				window = append(window, e)
			}
			if done || len(page) == 0 {
				break
			}
			last := page[len(page)-1].Position
			pos = eventstore.Position{Commit: last.Commit + 1, Prepare: last.Prepare + 1}
		}
		if uint64(len(window)) >= count || lo == 1 {
			if uint64(len(window)) > count {
				window = window[uint64(len(window))-count:]
			}
			for i, j := 0, len(window)-1; i < j; i, j = i+1, j-1 {
				window[i], window[j] = window[j], window[i]
			}
			return window, nil
		}
		width *= 2
	}
}

// eventResp encodes an event the way KurrentDB does.
func eventResp(e eventstore.RecordedEvent, structured, all bool) *streams.ReadResp {
	rec := &streams.ReadResp_ReadEvent_RecordedEvent{
		Id:               toProtoUUID(e.ID, structured),
		StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(e.Stream)},
		StreamRevision:   e.Revision,
		PreparePosition:  e.Position.Prepare,
		CommitPosition:   e.Position.Commit,
		Metadata: map[string]string{
			"type":         e.Type,
			"content-type": "application/json",
			// .NET ticks (100 ns) since the Unix epoch; the client
			// log.Fatalf's without it.
			"created": strconv.FormatInt(e.Recorded.UnixNano()/100, 10),
		},
		CustomMetadata: e.Metadata,
		Data:           e.Data,
	}
	ev := &streams.ReadResp_ReadEvent{Event: rec}
	if all {
		ev.Position = &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: e.Position.Commit}
	} else {
		ev.Position = &streams.ReadResp_ReadEvent_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &streams.ReadResp{Content: &streams.ReadResp_Event{Event: ev}}
}

func toProtoUUID(id uuid.UUID, structured bool) *shared.UUID {
	if !structured {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

func fromProtoUUID(u *shared.UUID) (uuid.UUID, error) {
	if s := u.GetStructured(); s != nil {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(s.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(id[8:], uint64(s.GetLeastSignificantBits()))
		return id, nil
	}
	if s := u.GetString_(); s != "" {
		return uuid.Parse(s)
	}
	return uuid.Nil, fmt.Errorf("event without an id")
}
