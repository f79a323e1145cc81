package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// Limits bounds what [Parse] accepts. A zero or negative field takes its
// default.
type Limits struct {
	// MaxBytes bounds the whole body, multipart framing included.
	// Default 64 MiB.
	MaxBytes int64
	// MaxJSONBytes bounds the statements part (or an application/json
	// body), which is held in memory. Default 8 MiB.
	MaxJSONBytes int64
	// MaxParts bounds the number of attachment parts after the statements
	// part. Default 64.
	MaxParts int
	// MemoryBytes is the size up to which a part is kept in memory; larger
	// parts are streamed to a temporary file in TempDir. Default 1 MiB.
	MemoryBytes int64
	// TempDir holds the temporary files; "" means os.TempDir().
	TempDir string
}

// The defaults of [Limits].
const (
	DefaultMaxBytes     = 64 << 20
	DefaultMaxJSONBytes = 8 << 20
	DefaultMaxParts     = 64
	DefaultMemoryBytes  = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxJSONBytes <= 0 {
		l.MaxJSONBytes = DefaultMaxJSONBytes
	}
	l.MaxJSONBytes = min(l.MaxJSONBytes, l.MaxBytes)
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MemoryBytes <= 0 {
		l.MemoryBytes = DefaultMemoryBytes
	}
	return l
}

// Parse reads the body of a statements PUT or POST whose Content-Type
// header is contentType.
//
// For application/json the body is the statements and there are no parts.
// For multipart/mixed (Communication 1.5.2) the first part must have type
// application/json and holds the statements; every later part must carry
// an X-Experience-API-Hash header whose digest matches the part's bytes,
// and, if it carries Content-Transfer-Encoding, the value binary (an absent
// header means binary, 1.5.2.s3.b6). Any other media type is refused.
//
// Parse does not decode the statements nor match parts to attachments:
// decode Request.Statements, validate it, then call [CheckParts] and
// [CheckSignatures].
//
// Errors: a malformed request gives an [*Error] of [KindInvalid]; a request
// over lim gives [KindTooLarge]; a cancelled ctx or a failure to spool to
// TempDir gives an error of no Kind. On error nothing is left on disk. On
// success the caller must Close the Request.
func Parse(ctx context.Context, contentType string, body io.Reader, lim Limits) (*Request, error) {
	lim = lim.withDefaults()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Msg: fmt.Sprintf("invalid Content-Type %q", clip(contentType)), Err: err}
	}
	lr := &limitReader{ctx: ctx, r: body, left: lim.MaxBytes}
	switch mediaType {
	case "application/json":
		data, err := readJSON(lr, lim.MaxJSONBytes)
		if err != nil {
			return nil, classify(ctx, lr, "reading the application/json body", err)
		}
		return &Request{Statements: data}, nil
	case "multipart/mixed":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, invalid("", "Content-Type multipart/mixed has no boundary parameter (RFC 2046 5.1.1)")
		}
		return parseMultipart(ctx, lr, boundary, lim)
	}
	return nil, invalid("", "Content-Type %q is neither application/json nor multipart/mixed (Communication 1.5)", clip(mediaType))
}

func parseMultipart(ctx context.Context, lr *limitReader, boundary string, lim Limits) (_ *Request, err error) {
	req := &Request{}
	defer func() {
		if err != nil {
			_ = req.Close()
		}
	}()
	mr := multipart.NewReader(lr, boundary)
	n := 0 // parts seen
	for ; ; n++ {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, classify(ctx, lr, fmt.Sprintf("reading part %d of the multipart/mixed body", n), err)
		}
		if n == 0 {
			if req.Statements, err = readStatementsPart(ctx, lr, p, lim); err != nil {
				return nil, err
			}
			continue
		}
		if n > lim.MaxParts {
			return nil, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("more than %d attachment parts", lim.MaxParts)}
		}
		part, err := readAttachmentPart(ctx, lr, p, n, lim)
		if err != nil {
			return nil, err
		}
		if req.Part(part.SHA2) != nil {
			_ = part.remove() // a second copy of the same bytes
			continue
		}
		req.Parts = append(req.Parts, part)
	}
	if n == 0 {
		return nil, invalid("", "the multipart/mixed body has no part; the first part must hold the Statements (Communication 1.5.2.s2.b2.b1)")
	}
	return req, nil
}

func readStatementsPart(ctx context.Context, lr *limitReader, p *multipart.Part, lim Limits) ([]byte, error) {
	ct := p.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return nil, invalid("", "the first part has Content-Type %q; it must be application/json and hold the Statements (Communication 1.5.2.s2.b2.b1)", clip(ct))
	}
	data, err := readJSON(p, lim.MaxJSONBytes)
	if err != nil {
		return nil, classify(ctx, lr, "reading the statements part", err)
	}
	return data, nil
}

// readJSON reads r whole, refusing more than limit bytes.
func readJSON(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("the statements are larger than %d bytes", limit)}
	}
	return data, nil
}

func readAttachmentPart(ctx context.Context, lr *limitReader, p *multipart.Part, index int, lim Limits) (*Part, error) {
	hashes := p.Header.Values("X-Experience-API-Hash")
	switch len(hashes) {
	case 0:
		return nil, invalid("", "part %d has no X-Experience-API-Hash header (Communication 1.5.2.s2.b2.b3)", index)
	case 1:
	default:
		return nil, invalid("", "part %d has %d X-Experience-API-Hash headers; want one", index, len(hashes))
	}
	declared := strings.TrimSpace(hashes[0])
	h, err := newHash(declared)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Msg: fmt.Sprintf("part %d: bad X-Experience-API-Hash header", index), Err: err}
	}
	cte := p.Header.Values("Content-Transfer-Encoding")
	if len(cte) > 1 || len(cte) == 1 && !strings.EqualFold(strings.TrimSpace(cte[0]), "binary") {
		return nil, invalid("", "part %d has Content-Transfer-Encoding %q; attachment parts must be binary (Communication 1.5.2.s2.b2.b4)", index, clip(strings.Join(cte, ", ")))
	}
	sp := &spool{threshold: lim.MemoryBytes, dir: lim.TempDir}
	size, err := copyPart(io.MultiWriter(h, sp), p)
	if err != nil {
		sp.discard()
		var we writeError
		if errors.As(err, &we) {
			return nil, fmt.Errorf("attachments: part %d: %w", index, we.err)
		}
		return nil, classify(ctx, lr, fmt.Sprintf("reading part %d", index), err)
	}
	data, path, err := sp.finish()
	if err != nil {
		return nil, fmt.Errorf("attachments: part %d: %w", index, err)
	}
	part := &Part{Index: index, SHA2: strings.ToLower(declared), ContentType: p.Header.Get("Content-Type"), Size: size, data: data, path: path}
	if got := digestOf(h); got != part.SHA2 {
		_ = part.remove()
		return nil, invalid("", "part %d: X-Experience-API-Hash is %s but the part's data hashes to %s (Communication 1.5.2.s1.b4)", index, part.SHA2, got)
	}
	return part, nil
}
