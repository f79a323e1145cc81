package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/privacy/export"
)

// statements pages through a fixed list, checking the query it is asked.
type statements struct {
	t    *testing.T
	all  []lrs.StoredStatement
	want string // the agent key
}

func (s *statements) Query(_ context.Context, q lrs.Query) ([]lrs.StoredStatement, *lrs.Cursor, error) {
	if q.Agent != s.want || !q.RelatedAgents || !q.IncludeVoided {
		s.t.Errorf("query %+v: want agent %s, related agents and voided statements", q, s.want)
	}
	from := 0
	if q.After != nil {
		from = int(q.After.Seq)
	}
	to := min(from+q.Limit, len(s.all))
	var more *lrs.Cursor
	if to < len(s.all) {
		more = &lrs.Cursor{Seq: uint64(to)}
	}
	return s.all[from:to], more, nil
}

type index []documents.Key

func (ix index) PersonDocuments(context.Context, string) ([]documents.Key, error) { return ix, nil }

type docs map[string]string // id -> content; absent: not found

func (d docs) Get(_ context.Context, k documents.Key) (*documents.Document, io.ReadCloser, error) {
	c, ok := d[k.ID]
	if !ok {
		return nil, nil, lrs.Errorf(lrs.KindNotFound, "get", "no such document")
	}
	return &documents.Document{Key: k, ContentType: "application/json", SHA1: "ab", Updated: time.Unix(0, 0)}, io.NopCloser(strings.NewReader(c)), nil
}

type blobs map[string]string

func (b blobs) OpenScoped(_, sha string) (io.ReadCloser, int64, error) {
	c, ok := b[sha]
	if !ok {
		return nil, 0, errors.New("not found")
	}
	return io.NopCloser(strings.NewReader(c)), int64(len(c)), nil
}

// TestExportArchive: the archive holds every statement over several
// pages as one JSON document, each attachment once, the documents that
// still exist with their content, and a manifest that counts them and
// names the attachments the LRS does not hold.
func TestExportArchive(t *testing.T) {
	const agent = "mbox:mailto:an@example.vn"
	var all []lrs.StoredStatement
	for i := range 250 {
		st := fmt.Sprintf(`{"id":"%s","n":%d}`, uuid.New(), i)
		if i == 7 || i == 200 {
			st = fmt.Sprintf(`{"id":"%s","n":%d,"attachments":[{"sha2":"aa"},{"sha2":"bb"}]}`, uuid.New(), i)
		}
		all = append(all, lrs.StoredStatement{JSON: []byte(st)})
	}
	x := &export.Exporter{
		Statements: &statements{t: t, all: all, want: agent},
		Index: index{{Resource: documents.State, ActivityID: "https://a.example/1", Agent: "subject:x", ID: "s1"},
			{Resource: documents.AgentProfile, Agent: "subject:x", ID: "gone"},
			{Resource: documents.AgentProfile, Agent: "subject:x", ID: "p1"}},
		Documents: docs{"s1": `{"tienDo":1}`, "p1": "hồ sơ"},
		Blobs:     blobs{"aa": "certificate bytes"},
	}
	var buf bytes.Buffer
	m, err := x.Write(context.Background(), &buf, agent, json.RawMessage(`{"mbox":"mailto:an@example.vn"}`))
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range z.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		files[f.Name] = string(b)
	}
	var sts struct{ Statements []map[string]any }
	if err := json.Unmarshal([]byte(files["statements.json"]), &sts); err != nil {
		t.Fatalf("statements.json: %v", err)
	}
	if len(sts.Statements) != 250 || sts.Statements[249]["n"] != float64(249) {
		t.Errorf("%d statements in the archive, want 250 in order", len(sts.Statements))
	}
	if files["attachments/aa"] != "certificate bytes" {
		t.Errorf("attachment aa: %q", files["attachments/aa"])
	}
	if files["documents/1.content"] != `{"tienDo":1}` || files["documents/2.content"] != "hồ sơ" {
		t.Errorf("documents: %q %q", files["documents/1.content"], files["documents/2.content"])
	}
	var meta struct{ ID, Content string }
	if err := json.Unmarshal([]byte(files["documents/2.json"]), &meta); err != nil || meta.ID != "p1" || meta.Content != "documents/2.content" {
		t.Errorf("documents/2.json: %s (%v)", files["documents/2.json"], err)
	}
	var got export.Manifest
	if err := json.Unmarshal([]byte(files["manifest.json"]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Statements != 250 || got.Documents != 2 || got.Attachments != 1 || len(got.Missing) != 1 || got.Missing[0] != "bb" {
		t.Errorf("manifest %+v", got)
	}
	if m.Statements != got.Statements {
		t.Errorf("returned manifest %+v, archived %+v", m, got)
	}
}

// TestCheckFindsNothing: a person with no statement and no document gets
// ErrNothingKept before any archive is started.
func TestCheckFindsNothing(t *testing.T) {
	x := &export.Exporter{Statements: &statements{t: t, want: "mbox:mailto:x@example.vn"}, Index: index{}}
	if err := x.Check(context.Background(), "mbox:mailto:x@example.vn"); !errors.Is(err, export.ErrNothingKept) {
		t.Errorf("Check: %v, want ErrNothingKept", err)
	}
	x.Index = index{{Resource: documents.AgentProfile, Agent: "subject:x", ID: "p"}}
	if err := x.Check(context.Background(), "mbox:mailto:x@example.vn"); err != nil {
		t.Errorf("Check with a document: %v", err)
	}
}
