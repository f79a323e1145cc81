package attachments

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// BlobRef names the data of an attachment to send in a response.
type BlobRef struct {
	SHA2        string
	ContentType string // "" or an invalid media type is sent as application/octet-stream
	// Scope is where the data is kept ([Store.PutScoped]); "" for the
	// shared store.
	Scope string
}

// ScopedOpener gives the data of an attachment in a scope; [*Store] is
// one.
type ScopedOpener interface {
	OpenScoped(scope, sha2 string) (io.ReadCloser, int64, error)
}

// Opener gives the data of an attachment by hash; [*Store] is one.
type Opener interface {
	Open(sha2 string) (io.ReadCloser, int64, error)
}

// Refs lists, once per distinct hash and in order of first appearance, the
// attachments of the statements in doc (a Statement, an array of them, or
// any value holding them, such as a StatementResult), with the contentType
// of the first Attachment that names each hash. Attachments of
// SubStatements are included. The caller drops the refs whose data it
// does not hold (an Attachment with only a fileUrl), for example with
// [Store.Has].
func Refs(doc any) []BlobRef {
	var refs []BlobRef
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if arr, ok := v["attachments"].([]any); ok {
				for _, e := range arr {
					a, _ := e.(map[string]any)
					sha2, _ := a["sha2"].(string)
					key := strings.ToLower(sha2)
					if sha2 == "" || seen[key] {
						continue
					}
					seen[key] = true
					ct, _ := a["contentType"].(string)
					refs = append(refs, BlobRef{SHA2: key, ContentType: ct})
				}
			}
			for k, e := range v {
				if k == "statements" || k == "object" {
					walk(e)
				}
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	return refs
}

// NewBoundary returns a random multipart boundary for [WriteMultipart]
// (192 random bits, so that it cannot occur in the data by accident;
// Communication 1.5.2.s6.b2).
func NewBoundary() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "hocvu-" + hex.EncodeToString(b[:])
}

// MultipartContentType is the Content-Type header of a multipart/mixed
// response with the given boundary.
func MultipartContentType(boundary string) string {
	return mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": boundary})
}

// WriteMultipart writes a GET statements response with attachments=true
// (Communication 1.5.2.s3.b1, 2.1.3): a multipart/mixed body whose first
// part is statementsJSON (Content-Type application/json) and whose further
// parts hold the data of refs, one per distinct hash, each with
// Content-Type, Content-Transfer-Encoding: binary and
// X-Experience-API-Hash. Set the response's Content-Type to
// [MultipartContentType] of the same boundary (from [NewBoundary]) before
// calling it. Data is streamed from src; a ref src cannot open fails the
// write, which has then already sent part of the body, so check refs
// first.
func WriteMultipart(ctx context.Context, w io.Writer, boundary string, statementsJSON []byte, refs []BlobRef, src Opener) error {
	return WriteMultipartFrom(ctx, w, boundary, func(pw io.Writer) ([]BlobRef, error) {
		_, err := pw.Write(statementsJSON)
		return refs, err
	}, src)
}

// WriteMultipartFrom is [WriteMultipart] with the statements part written
// by writeJSON, so that a page of statements streams out without being
// built whole; writeJSON returns the refs to send after it (their data
// must be in src; a hash may repeat, it is sent once).
func WriteMultipartFrom(ctx context.Context, w io.Writer, boundary string, writeJSON func(io.Writer) ([]BlobRef, error), src Opener) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		return fmt.Errorf("attachments: write multipart: %w", err)
	}
	pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}})
	if err != nil {
		return fmt.Errorf("attachments: write statements part: %w", err)
	}
	refs, err := writeJSON(pw)
	if err != nil {
		return fmt.Errorf("attachments: write statements part: %w", err)
	}
	written := map[string]bool{}
	for _, ref := range refs {
		sha2, err := NormalizeHash(ref.SHA2)
		if err != nil {
			return fmt.Errorf("attachments: write part: %w", err)
		}
		if written[sha2] {
			continue
		}
		written[sha2] = true
		if err := writeBlob(ctx, mw, sha2, ref.ContentType, ref.Scope, src); err != nil {
			return err
		}
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("attachments: write multipart end: %w", err)
	}
	return nil
}

func writeBlob(ctx context.Context, mw *multipart.Writer, sha2, contentType, scope string, src Opener) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("attachments: write part %s: %w", sha2, err)
	}
	open := src.Open
	if so, ok := src.(ScopedOpener); ok && scope != "" {
		open = func(sha2 string) (io.ReadCloser, int64, error) { return so.OpenScoped(scope, sha2) }
	}
	rc, _, err := open(sha2)
	if err != nil {
		return fmt.Errorf("attachments: write part %s: %w", sha2, err)
	}
	defer rc.Close()
	if _, _, err := mime.ParseMediaType(contentType); err != nil || strings.ContainsAny(contentType, "\r\n") {
		contentType = "application/octet-stream" // absent or unusable as a header
	}
	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {contentType},
		"Content-Transfer-Encoding": {"binary"},
		"X-Experience-API-Hash":     {sha2},
	})
	if err != nil {
		return fmt.Errorf("attachments: write part %s: %w", sha2, err)
	}
	if _, err := io.Copy(pw, ctxReader{ctx, rc}); err != nil {
		return fmt.Errorf("attachments: write part %s: %w", sha2, err)
	}
	return nil
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
