package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// writeError marks a failure of the destination in copyPart, so that it is
// not mistaken for a malformed request.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }

// copyPart copies src to dst, wrapping the errors of dst in writeError.
func copyPart(dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, rerr := src.Read(buf)
		if k > 0 {
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, writeError{err}
			}
			n += int64(k)
		}
		if errors.Is(rerr, io.EOF) {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// classify turns an error met while reading the body into the error Parse
// returns: a malformed request when the body ended early, the transport's
// error when it was too slow (the HTTP layer answers 408; both come
// before the context, which the server cancels after such a read), the
// context's error, a
// limit error, an [*Error] already made, or else a malformed request.
func classify(ctx context.Context, lr *limitReader, what string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Kind: KindInvalid, Msg: "malformed request body: it ended early while " + what, Err: err}
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return fmt.Errorf("attachments: %s: %w", what, err)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("attachments: %s: %w", what, ctxErr)
	}
	if lr.over {
		return &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("the request body is larger than %d bytes", lr.max())}
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInvalid, Msg: "malformed request body while " + what, Err: err}
}

// limitReader reads at most left bytes of r and fails, remembering why,
// when the body has more; it also stops when ctx is done.
type limitReader struct {
	ctx  context.Context
	r    io.Reader
	left int64
	read int64
	over bool
}

var errTooLarge = errors.New("request body over the limit")

func (l *limitReader) max() int64 { return l.read + l.left }

func (l *limitReader) Read(p []byte) (int, error) {
	if l.over {
		return 0, errTooLarge
	}
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left+1] // one byte more than allowed reveals an oversized body
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.over = true
		return 0, errTooLarge
	}
	l.left -= int64(n)
	l.read += int64(n)
	return n, err
}
