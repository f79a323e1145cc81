package pebblestore

import (
	"encoding/binary"
	"errors"
	"time"
	"unsafe"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// Key space. Every key starts with a one-byte tag:
//
//	'g' pos(8, big endian)                  -> record        the global log
//	's' stream 0x00 revision(8, big endian) -> pos(8)        stream index
//	'h' stream                              -> revision(8)   last revision of a stream
//	'i' event id(16)                        -> pos(8)        event id index (idempotency)
//
// Stream names never contain NUL (eventstore.ValidateStreamName), so the
// 0x00 separator keeps stream key ranges disjoint.
const (
	tagGlobal = 'g'
	tagStream = 's'
	tagHead   = 'h'
	tagID     = 'i'
)

// recordVersion is the first byte of every stored record. Stored formats are
// permanent: a new layout gets a new version byte and a new decoder branch.
const recordVersion = 1

func globalKey(pos uint64) []byte {
	k := make([]byte, 9)
	k[0] = tagGlobal
	binary.BigEndian.PutUint64(k[1:], pos)
	return k
}

func streamPrefix(stream string) []byte {
	k := make([]byte, 0, len(stream)+2)
	k = append(k, tagStream)
	k = append(k, stream...)
	return append(k, 0)
}

func streamKey(stream string, rev uint64) []byte {
	k := streamPrefix(stream)
	return binary.BigEndian.AppendUint64(k, rev)
}

func headKey(stream string) []byte {
	k := make([]byte, 0, len(stream)+1)
	k = append(k, tagHead)
	return append(k, stream...)
}

func idKey(id uuid.UUID) []byte {
	k := make([]byte, 17)
	k[0] = tagID
	copy(k[1:], id[:])
	return k
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// encodeRecord lays out a recorded event:
//
//	version(1) uvarint(len stream) stream uvarint(revision) id(16)
//	uvarint(len type) type varint(recorded unix nanos)
//	uvarint(len data) data uvarint(len metadata) metadata
func encodeRecord(dst []byte, stream string, rev uint64, ev *eventstore.EventData, recorded int64) []byte {
	dst = append(dst, recordVersion)
	dst = binary.AppendUvarint(dst, uint64(len(stream)))
	dst = append(dst, stream...)
	dst = binary.AppendUvarint(dst, rev)
	dst = append(dst, ev.ID[:]...)
	dst = binary.AppendUvarint(dst, uint64(len(ev.Type)))
	dst = append(dst, ev.Type...)
	dst = binary.AppendVarint(dst, recorded)
	dst = binary.AppendUvarint(dst, uint64(len(ev.Data)))
	dst = append(dst, ev.Data...)
	dst = binary.AppendUvarint(dst, uint64(len(ev.Metadata)))
	dst = append(dst, ev.Metadata...)
	return dst
}

func recordSize(stream string, ev *eventstore.EventData) int {
	return 1 + 4*binary.MaxVarintLen64 + len(stream) + 16 + len(ev.Type) + len(ev.Data) + len(ev.Metadata) + 10
}

var errCorrupt = errors.New("pebblestore: corrupt record")

// decodeRecord decodes b into ev. The strings and slices of ev alias b, which
// must therefore never be modified afterwards: callers pass a private copy.
func decodeRecord(b []byte, pos uint64, ev *eventstore.RecordedEvent) error {
	if len(b) == 0 || b[0] != recordVersion {
		return errCorrupt
	}
	r := reader{b: b[1:]}
	ev.Stream = r.str()
	ev.Revision = r.uvarint()
	copy(ev.ID[:], r.bytes(16))
	ev.Type = r.str()
	ev.Recorded = time.Unix(0, r.varint()).UTC()
	ev.Data = r.lenBytes()
	ev.Metadata = r.lenBytes()
	ev.Position = eventstore.Position{Commit: pos, Prepare: pos}
	if r.bad {
		return errCorrupt
	}
	return nil
}

// decodeHeader decodes only the stream and type of a record, for filtering
// without copying the payload. The strings alias b.
func decodeHeader(b []byte) (stream, typ string, err error) {
	if len(b) == 0 || b[0] != recordVersion {
		return "", "", errCorrupt
	}
	r := reader{b: b[1:]}
	stream = r.str()
	r.uvarint()
	r.bytes(16)
	typ = r.str()
	if r.bad {
		return "", "", errCorrupt
	}
	return stream, typ, nil
}

type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) lenBytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.bytes(int(n))
	if len(v) == 0 {
		return nil
	}
	return v
}

func (r *reader) str() string {
	b := r.lenBytes()
	if len(b) == 0 {
		return ""
	}
	// The record buffer is private and immutable once decoded.
	return unsafe.String(&b[0], len(b))
}

// slab hands out immutable copies of iterator values, carved from large
// blocks to keep allocations per event low on bulk reads.
type slab struct{ buf []byte }

func (s *slab) copy(v []byte) []byte {
	if cap(s.buf)-len(s.buf) < len(v) {
		size := 256 << 10
		if len(v) > size/4 {
			return append([]byte(nil), v...)
		}
		s.buf = make([]byte, 0, size)
	}
	start := len(s.buf)
	s.buf = append(s.buf, v...)
	return s.buf[start:len(s.buf):len(s.buf)]
}
