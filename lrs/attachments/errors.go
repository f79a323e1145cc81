package attachments

import (
	"errors"
	"fmt"
)

// Kind classifies why a request was refused, so that the HTTP layer maps
// every failure of this package to a status in one place.
type Kind uint8

// The kinds of [Error]. The zero Kind means "not an error of this package":
// an I/O failure or a cancelled context, which the HTTP layer reports as a
// server error (or not at all, when the client went away).
const (
	// KindInvalid: the request breaks an attachment rule (malformed
	// multipart, missing or wrong hash, missing or extra part, ...).
	// HTTP 400 Bad Request.
	KindInvalid Kind = iota + 1
	// KindTooLarge: the request is over a configured [Limits] value.
	// HTTP 413 Content Too Large (xAPI 1.0.3 Communication 3.2; IEEE
	// 9274.1.1 LRS 4.1.5).
	KindTooLarge
	// KindBadSignature: a signed Statement whose JWS signature is malformed
	// or does not match (Data 2.6.s5.b1). HTTP 400 Bad Request.
	KindBadSignature
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindTooLarge:
		return "too large"
	case KindBadSignature:
		return "bad signature"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Error is a refusal of a request by the attachment rules. Msg is meant for
// the content vendor who sent the request; Pointer, when set, is a JSON
// pointer (RFC 6901) into the statements document of the first part, such
// as "/2/attachments/0".
type Error struct {
	Kind    Kind
	Pointer string
	Msg     string
	Err     error // the underlying cause, or nil
}

func (e *Error) Error() string {
	s := "attachments: " + e.Msg
	if e.Pointer != "" {
		s = "attachments: " + e.Pointer + ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first [*Error] in err's chain, or 0 when
// there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// ErrNotFound is returned (wrapped) by [Store.Open] for a hash the store
// does not hold.
var ErrNotFound = errors.New("attachments: blob not found")

func invalid(pointer, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Pointer: pointer, Msg: fmt.Sprintf(format, args...)}
}

func badSignature(pointer, format string, args ...any) *Error {
	return &Error{Kind: KindBadSignature, Pointer: pointer, Msg: fmt.Sprintf(format, args...)}
}
