package documents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// IsJSON reports whether a Content-Type is application/json (parameters
// such as charset do not matter).
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// checkPostedJSON refuses a POST whose body is declared application/json
// but is not a JSON object, whether or not the document exists (1.0.3
// Communication 2.2.s8.b1, 2.0 4.1.6.2: "if either document cannot be
// parsed as a JSON Object, the LRS shall respond with 400 Bad Request, and
// shall not update the target document"). Stored as it was, such a body
// would make every later merge into the document fail.
func checkPostedJSON(op, method string, content []byte, contentType string) error {
	if method != http.MethodPost || !IsJSON(contentType) {
		return nil
	}
	if _, err := decodeObject(content); err != nil {
		return lrs.Errorf(lrs.KindInvalid, op, "the posted document is declared %s but is not a JSON object: %v "+
			"(a POST with Content-Type application/json sets or merges JSON properties; send the document with its real Content-Type, or PUT it)", contentType, err)
	}
	return nil
}

// merge returns the merge of a POSTed body into the current document
// (1.0.3 Communication 2.2.s7, 2.0 4.1.6.2): both must be application/json
// and JSON objects; each top-level property of the posted object replaces
// the existing one. The result is a compact JSON object with sorted keys;
// numbers keep their exact text.
func (s *Service) merge(ctx context.Context, op string, cur *Document, posted []byte, postedType string) ([]byte, error) {
	if !IsJSON(postedType) || !IsJSON(cur.ContentType) {
		return nil, lrs.Errorf(lrs.KindInvalid, op, "cannot merge: the posted document (%s) and the stored one (%s) must both be application/json; PUT replaces a document of another type", postedType, cur.ContentType)
	}
	if err := checkPosted(op, posted); err != nil {
		return nil, err
	}
	add, err := decodeObject(posted)
	if err != nil {
		return nil, lrs.Errorf(lrs.KindInvalid, op, "cannot merge: the posted document is not a JSON object: %v", err)
	}
	rc, ok, err := s.readContent(ctx, cur)
	if err != nil {
		return nil, fmt.Errorf("%s: read stored document: %w", op, err)
	}
	if !ok {
		return nil, lrs.Errorf(lrs.KindConflict, op, "the document's person was erased while this request merged into it; retry")
	}
	stored, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: read stored document: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	base, err := decodeObject(stored)
	if err != nil {
		return nil, lrs.Errorf(lrs.KindInvalid, op, "cannot merge: the stored document is not a JSON object (%v); PUT it whole instead", err)
	}
	for k, v := range add {
		base[k] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(base); err != nil {
		return nil, fmt.Errorf("%s: encode merged document: %w", op, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkPosted applies to a posted JSON document the bounds that hold
// wherever the LRS parses JSON (docs/limits.md): the nesting depth, and
// numbers it can represent.
func checkPosted(op string, posted []byte) error {
	ps := xapi.CheckDepth(posted)
	if ps == nil {
		if doc, err := xapi.Decode(posted); err == nil {
			ps = xapi.CheckNumbers(doc, "")
		}
	}
	if ps == nil {
		return nil
	}
	msg := "the posted document " + ps[0].Message
	if ps[0].Path != "" {
		msg = "the posted document's " + ps[0].Path + " " + ps[0].Message
	}
	e := &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "cannot merge: " + msg}
	for _, p := range ps {
		e.Problems = append(e.Problems, lrs.Problem{Path: p.Path, Rule: p.Rule, Message: p.Message})
	}
	return e
}

// decodeObject decodes data as one JSON object, keeping numbers exact.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, errors.New("null is not an object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the object")
	}
	return obj, nil
}
