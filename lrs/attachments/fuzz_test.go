package attachments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/hocvu/hocvu/lrs/attachments"
)

// FuzzParse feeds arbitrary Content-Types and bodies to Parse. It must not
// panic, every refusal must carry a Kind (so that HTTP answers 4xx, never
// 5xx), every accepted part must hash to its name, and no temporary file
// may outlive the request. Accepted statements go on through CheckParts
// and CheckSignatures, which must not panic either.
func FuzzParse(f *testing.F) {
	f.Add(`multipart/mixed; boundary="abcABC0123'()+_,-./:=?"`, []byte(specExample))
	f.Add("application/json", []byte(`{"attachments":[{"sha2":"aa","fileUrl":"http://x"}]}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		dir := t.TempDir()
		lim := attachments.Limits{MaxBytes: 1 << 16, MaxJSONBytes: 1 << 14, MaxParts: 8, MemoryBytes: 64, TempDir: dir}
		req, err := attachments.Parse(context.Background(), contentType, bytes.NewReader(body), lim)
		if err != nil {
			if attachments.KindOf(err) == 0 {
				t.Fatalf("refusal without a kind: %v", err)
			}
			if n := dirEntries(t, dir); n != 0 {
				t.Fatalf("%d temporary files left after an error", n)
			}
			return
		}
		for _, p := range req.Parts {
			data := readPart(t, p)
			if int64(len(data)) != p.Size {
				t.Fatalf("part %d: size %d, read %d bytes", p.Index, p.Size, len(data))
			}
			if _, err := attachments.NormalizeHash(p.SHA2); err != nil {
				t.Fatalf("part %d has a bad hash: %v", p.Index, err)
			}
		}
		dec := json.NewDecoder(bytes.NewReader(req.Statements))
		dec.UseNumber()
		var doc any
		if dec.Decode(&doc) == nil {
			if err := attachments.CheckParts(doc, req.Parts); err != nil && attachments.KindOf(err) == 0 {
				t.Fatalf("CheckParts refusal without a kind: %v", err)
			}
			if err := attachments.CheckSignatures(doc, req.Parts, nil); err != nil && attachments.KindOf(err) == 0 {
				t.Fatalf("CheckSignatures refusal without a kind: %v", err)
			}
		}
		if err := req.Close(); err != nil {
			t.Fatal(err)
		}
		if n := dirEntries(t, dir); n != 0 {
			t.Fatalf("%d temporary files left after Close", n)
		}
	})
}
