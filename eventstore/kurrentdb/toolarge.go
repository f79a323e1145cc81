package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hocvu/hocvu/eventstore"
)

// MaxServerAppendSize is the largest MaxAppendSize KurrentDB accepts as a
// setting (TFConsts.EffectiveMaxLogRecordSize: 16 MiB less 10,000 bytes of
// record overhead); above it the server does not start.
const MaxServerAppendSize = 16<<20 - 10000

// DefaultServerMaxAppendSize is KurrentDB's default MaxAppendSize for the
// append call the Go client uses (1 MiB, as read in the KurrentDB sources
// up to 26.x).
const DefaultServerMaxAppendSize = 1 << 20

// eventSize is the size KurrentDB counts for an event against its append
// limits (Event.SizeOnDisk, 24.10.4 and later): data plus metadata plus
// the event type twice (it counts UTF-16 code units of two bytes).
func eventSize(e eventstore.EventData) int {
	return len(e.Data) + len(e.Metadata) + 2*len(e.Type)
}

// checkSize refuses, before anything is sent, an append larger than the
// server's limit when the adapter knows it (Options.MaxAppendSize).
// (eventstore.ValidateAppend has already refused any event over
// eventstore.MaxEventSize, which every KurrentDB can store.)
func (s *Store) checkSize(stream string, events []eventstore.EventData) error {
	limit := s.opts.MaxAppendSize
	if limit <= 0 {
		return nil
	}
	total := 0
	for _, e := range events {
		total += eventSize(e)
	}
	if total > limit {
		return fmt.Errorf("kurrentdb: append to %s: %w: %d bytes in %d events, more than the server's MaxAppendSize of %d bytes (the adapter's setting; raise both the server's MaxAppendSize and Hocvu's --eventstore-max-append, or send less at once)",
			stream, eventstore.ErrTooLarge, total, len(events), limit)
	}
	return nil
}

// refusedTooLarge reports whether err is the server's refusal of an
// append over its MaxAppendSize or MaxAppendEventSize.
func refusedTooLarge(err error) bool {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		return false
	}
	msg := st.Message()
	return strings.Contains(msg, "Maximum Append Size") || strings.Contains(msg, "Maximum Append Event Size")
}

// cutMidAppend reports whether err says that the server ended the append
// call while the client was still sending its events. Client v4.2.0 then
// reports only the io.EOF of its send ("could not send append request"):
// the server's answer, which says why, is lost.
func cutMidAppend(err error) bool {
	return errors.Is(err, io.EOF) && strings.Contains(err.Error(), "could not send append request")
}

// explainCut turns an append the server cut short into ErrTooLarge when
// the server still answers: a server that refuses an append while reading
// it does so because of its size (the only other refusal possible there
// is a missing write permission, which smaller appends would meet too).
// When the server does not answer, the connection failed and the outcome
// of the append is unknown: err is returned unchanged.
func (s *Store) explainCut(ctx context.Context, stream string, events []eventstore.EventData, err error) error {
	if _, perr := s.lastPosition(ctx, false); perr != nil {
		return err
	}
	total := 0
	for _, e := range events {
		total += eventSize(e)
	}
	limit := "unknown to Hocvu (KurrentDB's default is 1 MiB)"
	if s.opts.MaxAppendSize > 0 {
		limit = fmt.Sprintf("%d bytes per Hocvu's --eventstore-max-append, which may be more than the server's", s.opts.MaxAppendSize)
	}
	return fmt.Errorf("kurrentdb: append to %s: %w: the server ended the append while it was being sent (%d bytes in %d events) and still answers, so the append is most likely larger than its MaxAppendSize or MaxAppendEventSize (limit %s; if it is not, check that the user may write to %s): %v",
		stream, eventstore.ErrTooLarge, total, len(events), limit, stream, err)
}
