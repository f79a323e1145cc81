package kurrenttest

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hocvu/hocvu/eventstore"
)

// TombstoneType is the type of the event that closes a tombstoned
// (hard-deleted) stream, as KurrentDB names it. The fake stores it as the
// stream's last event in the backing store, so that a tombstone survives a
// restart like the stream does; its "$" prefix makes it a system event,
// which the adapter never returns.
const TombstoneType = "$streamDeleted"

// Tombstone implements the Streams.Tombstone call (a hard delete) with
// KurrentDB's semantics: the expected revision is checked as for an
// append; afterwards every read of the stream and every append to it fails
// with the stream-deleted exception, forever (the name cannot be reused),
// and so does a second tombstone. The stream's events stay in the backing
// store and in reads of $all, as they stay in a KurrentDB's chunks and in
// $all until a scavenge.
func (x *streamsServer) Tombstone(ctx context.Context, req *streams.TombstoneReq) (*streams.TombstoneResp, error) {
	o := req.GetOptions()
	stream := string(o.GetStreamIdentifier().GetStreamName())
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	var expected eventstore.ExpectedRevision
	switch v := o.GetExpectedStreamRevision().(type) {
	case *streams.TombstoneReq_Options_Revision:
		expected = eventstore.Exact(v.Revision)
	case *streams.TombstoneReq_Options_NoStream:
		expected = eventstore.NoStream
	case *streams.TombstoneReq_Options_StreamExists:
		expected = eventstore.StreamExists
	case *streams.TombstoneReq_Options_Any:
		expected = eventstore.Any
	default:
		return nil, status.Error(codes.InvalidArgument, "no expected stream revision")
	}
	x.srv.deletes.Lock()
	defer x.srv.deletes.Unlock()
	deleted, err := x.srv.tombstoned(ctx, stream)
	if err != nil {
		return nil, storeError(err)
	}
	if deleted {
		return nil, streamDeleted(func(md metadata.MD) { _ = grpc.SetTrailer(ctx, md) }, stream)
	}
	res, err := x.srv.store.Append(ctx, stream, expected, eventstore.EventData{ID: uuid.New(), Type: TombstoneType, Data: []byte("{}")})
	var wer *eventstore.WrongExpectedRevisionError
	switch {
	case errors.As(err, &wer):
		actual := "-1"
		if wer.ActualExists {
			actual = strconv.FormatUint(wer.Actual, 10)
		}
		_ = grpc.SetTrailer(ctx, metadata.Pairs("exception", "wrong-expected-version",
			"stream-name", stream, "expected-version", wer.Expected.String(), "actual-version", actual))
		return nil, status.Errorf(codes.FailedPrecondition,
			"Append failed due to WrongExpectedVersion. Stream: %s, Expected version: %s, Actual version: %s", stream, wer.Expected, actual)
	case err != nil:
		return nil, storeError(err)
	}
	return &streams.TombstoneResp{PositionOption: &streams.TombstoneResp_Position_{Position: &streams.TombstoneResp_Position{
		CommitPosition: res.Position.Commit, PreparePosition: res.Position.Prepare,
	}}}, nil
}

// tombstoned reports whether stream ends with a tombstone.
func (s *Server) tombstoned(ctx context.Context, stream string) (bool, error) {
	last, err := s.store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(last) > 0 && last[0].Type == TombstoneType, nil
}

// streamDeleted is KurrentDB's answer to an operation on a tombstoned
// stream (RpcExceptions.StreamDeleted): FailedPrecondition with the
// stream-deleted exception and the stream's name in the trailers, which is
// what the client turns into esdb.ErrorCodeStreamDeleted.
func streamDeleted(setTrailer func(metadata.MD), stream string) error {
	setTrailer(metadata.Pairs("exception", "stream-deleted", "stream-name", stream))
	return status.Error(codes.FailedPrecondition, fmt.Sprintf("Event stream '%s' is deleted.", stream))
}
