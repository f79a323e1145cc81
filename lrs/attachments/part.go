package attachments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Request is a parsed statements request: the raw JSON of the first part
// and the attachment parts that followed it, in the order received.
//
// Parts larger than [Limits.MemoryBytes] live in temporary files until
// [Request.Close] removes them; the caller must call Close when it has
// stored or rejected the request.
type Request struct {
	// Statements is the first part (or the whole application/json body):
	// a Statement or an array of Statements, not yet decoded or validated.
	Statements []byte
	// Parts holds one Part per distinct hash: a repeated part (same
	// X-Experience-API-Hash, therefore the same bytes) is dropped, as one
	// copy serves every attachment with that sha2 (Communication
	// 1.5.2.s2.b2.b5). Empty for application/json requests.
	Parts []*Part
}

// Part returns the part whose hash is sha2 (in any letter case), or nil.
func (r *Request) Part(sha2 string) *Part {
	if r == nil {
		return nil
	}
	for _, p := range r.Parts {
		if equalHash(p.SHA2, sha2) {
			return p
		}
	}
	return nil
}

// Close removes the temporary files of the parts. It is safe to call more
// than once and on a nil Request; parts must not be opened afterwards.
func (r *Request) Close() error {
	if r == nil {
		return nil
	}
	var errs []error
	for _, p := range r.Parts {
		errs = append(errs, p.remove())
	}
	return errors.Join(errs...)
}

// Part is the raw data of one attachment, checked against its
// X-Experience-API-Hash header.
type Part struct {
	// Index is the position of the part in the multipart body; the
	// statements part is 0, so attachment parts start at 1.
	Index int
	// SHA2 is the hash declared in X-Experience-API-Hash, in lower case,
	// and verified against the bytes.
	SHA2 string
	// ContentType is the part's Content-Type header, "" when absent.
	ContentType string
	// Size is the length of the data in bytes.
	Size int64

	data []byte // the data, when small
	path string // temporary file holding the data, when large
}

// Open returns a reader over the part's data. Each call starts at the
// beginning; the caller closes the reader.
func (p *Part) Open() (io.ReadCloser, error) {
	if p.path == "" {
		return io.NopCloser(bytes.NewReader(p.data)), nil
	}
	f, err := os.Open(p.path)
	if err != nil {
		return nil, fmt.Errorf("attachments: open part %d: %w", p.Index, err)
	}
	return f, nil
}

func (p *Part) remove() error {
	p.data = nil
	if p.path == "" {
		return nil
	}
	path := p.path
	p.path = ""
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("attachments: remove spooled part %d: %w", p.Index, err)
	}
	return nil
}

// spool keeps written bytes in memory up to a threshold and moves them to
// a temporary file beyond it.
type spool struct {
	threshold int64
	dir       string
	buf       bytes.Buffer
	f         *os.File
	path      string
}

func (s *spool) Write(b []byte) (int, error) {
	if s.f == nil && int64(s.buf.Len()+len(b)) > s.threshold {
		f, err := os.CreateTemp(s.dir, "hocvu-attachment-*")
		if err != nil {
			return 0, fmt.Errorf("spool to temporary file: %w", err)
		}
		s.f, s.path = f, f.Name()
		if _, err := f.Write(s.buf.Bytes()); err != nil {
			return 0, fmt.Errorf("spool to temporary file: %w", err)
		}
		s.buf = bytes.Buffer{}
	}
	if s.f != nil {
		n, err := s.f.Write(b)
		if err != nil {
			err = fmt.Errorf("spool to temporary file: %w", err)
		}
		return n, err
	}
	return s.buf.Write(b)
}

// finish closes the temporary file, if any, and returns the part's storage.
func (s *spool) finish() (data []byte, path string, err error) {
	if s.f == nil {
		return s.buf.Bytes(), "", nil
	}
	if err := s.f.Close(); err != nil {
		s.discard()
		return nil, "", fmt.Errorf("spool to temporary file: %w", err)
	}
	s.f = nil
	return nil, s.path, nil
}

// discard drops what was spooled.
func (s *spool) discard() {
	if s.f != nil {
		_ = s.f.Close()
		s.f = nil
	}
	if s.path != "" {
		_ = os.Remove(s.path)
		s.path = ""
	}
	s.buf = bytes.Buffer{}
}
