package statementindex_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// scanDir reports the files under dir whose bytes hold needle.
func scanDir(t *testing.T, dir string, needle string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(needle)) {
			found = append(found, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestSealedIndexKeepsNobodyInClear: a sealing index seals statements the
// log holds in clear on the way in, so its files hold no name or
// identifier, yet it answers with the statements as stored; an erased
// person reads back as the placeholder.
func TestSealedIndexKeepsNobodyInClear(t *testing.T) {
	t.Run("sealed", func(t *testing.T) {
		f := newFixture(t)
		s := stmt("nguyen-van-an", "completed", activity("bai-1"))
		s["actor"].(map[string]any)["name"] = "Nguyễn Văn An"
		f.add(s, stmt("tran-thi-binh", "completed", activity("bai-1")))
		// The clear copy the fixture marshalled is not what the index kept.
		if err := f.ix.Close(); err != nil {
			t.Fatal(err)
		}
		for _, needle := range []string{"nguyen-van-an", "Nguyễn Văn An", "tran-thi-binh"} {
			if files := scanDir(t, f.dir, needle); len(files) > 0 {
				t.Errorf("%q in clear in the index files %v", needle, files)
			}
		}
		if files := scanDir(t, f.dir, "bai-1"); len(files) == 0 {
			t.Fatal("the scan finds nothing at all (the activity id is not sealed)")
		}
	})
}

func TestSealedIndexOpensAndPlaceholders(t *testing.T) {
	t.Run("sealed", func(t *testing.T) {
		f := newFixture(t)
		ctx := context.Background()
		s := stmt("nguyen-van-an", "completed", activity("bai-1"))
		s["actor"].(map[string]any)["name"] = "Nguyễn Văn An"
		ids := f.add(s, stmt("tran-thi-binh", "completed", activity("bai-1")))
		got := f.query(lrs.Query{Agent: akey("nguyen-van-an")})
		if !eq(got, ids[:1]) {
			t.Fatalf("query by agent: %v, want %v", got, ids[:1])
		}
		st, found, err := f.ix.Get(ctx, uuid.MustParse(ids[0]))
		if err != nil || !found {
			t.Fatalf("get: %v %v", found, err)
		}
		if !strings.Contains(string(st.JSON), "Nguyễn Văn An") || !strings.Contains(string(st.JSON), "nguyen-van-an") {
			t.Fatalf("get does not open the statement: %s", st.JSON)
		}
		keyID := f.keys.Destroy(akey("nguyen-van-an"))
		st, _, err = f.ix.Get(ctx, uuid.MustParse(ids[0]))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(st.JSON), "Nguyễn Văn An") || !strings.Contains(string(st.JSON), sealing.ErasedHomePage) || !strings.Contains(string(st.JSON), keyID) {
			t.Fatalf("erased actor: %s", st.JSON)
		}
		other, _, err := f.ix.Get(ctx, uuid.MustParse(ids[1]))
		if err != nil || !strings.Contains(string(other.JSON), "tran-thi-binh") {
			t.Fatalf("another person's statement: %s %v", other.JSON, err)
		}
	})
}

// TestErasureDropsThePersonsPostings: after a person's erasure event, a
// query by their identifier finds none of their earlier statements (as
// actor, object or related agent); everyone else's stay, and a statement
// they store afterwards is found again.
func TestErasureDropsThePersonsPostings(t *testing.T) {
	t.Run("sealed", func(t *testing.T) {
		f := newFixture(t)
		team := map[string]any{"objectType": "Group", "member": []any{agent("nguyen-van-an"), agent("le-cuong")}}
		s3 := stmt("tran-thi-binh", "attended", activity("bai-3"))
		s3["context"] = map[string]any{"team": team}
		ids := f.add(stmt("nguyen-van-an", "completed", activity("bai-1")), stmt("tran-thi-binh", "mentored", agent("nguyen-van-an")), s3)
		if got := f.query(lrs.Query{Agent: akey("nguyen-van-an"), RelatedAgents: true, Ascending: true}); !eq(got, ids) {
			t.Fatalf("before the erasure: %v, want %v", got, ids)
		}
		subject := f.keys.Subject(akey("nguyen-van-an"))
		f.keys.Destroy(akey("nguyen-van-an"))
		f.erase(subject)
		for _, related := range []bool{false, true} {
			if got := f.query(lrs.Query{Agent: akey("nguyen-van-an"), RelatedAgents: related}); len(got) != 0 {
				t.Errorf("related=%v: the erased person's statements %v are still found by their identifier", related, got)
			}
		}
		if got := f.query(lrs.Query{Agent: akey("tran-thi-binh"), Ascending: true}); !eq(got, ids[1:]) {
			t.Errorf("another person's statements: %v, want %v", got, ids[1:])
		}
		if got := f.query(lrs.Query{Agent: akey("le-cuong"), RelatedAgents: true}); !eq(got, ids[2:]) {
			t.Errorf("a team mate's statements: %v, want %v", got, ids[2:])
		}
		if got := f.query(lrs.Query{Activity: "https://hoctap.example/bai-1"}); !eq(got, ids[:1]) {
			t.Errorf("the erased person's statement is no longer listed by activity: %v", got)
		}
		later := f.add(stmt("nguyen-van-an", "completed", activity("bai-2")))
		if got := f.query(lrs.Query{Agent: akey("nguyen-van-an")}); !eq(got, later) {
			t.Errorf("after coming back: %v, want %v", got, later)
		}
	})
}

// TestSealingModeCannotChangeUnderABuiltIndex: an index built in clear
// refuses a sealer, and one built sealed refuses to go without, until it
// is reset; an empty index takes either.
func TestSealingModeCannotChangeUnderABuiltIndex(t *testing.T) {
	sealer := sealing.Sealer{Keys: sealingtest.NewKeys()}
	for _, built := range []statementindex.Sealer{nil, sealer} {
		dir := t.TempDir()
		ix, err := statementindex.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.UseSealer(built); err != nil {
			t.Fatalf("empty index: %v", err)
		}
		f := &fixture{t: t, ix: ix, dir: dir}
		f.add(stmt("an", "completed", activity("bai-1")))
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		ix, err = statementindex.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		other := statementindex.Sealer(sealer)
		if built != nil {
			other = nil
		}
		if err := ix.UseSealer(other); !errors.Is(err, statementindex.ErrSealingChanged) {
			t.Errorf("built sealed=%v, switched: %v, want ErrSealingChanged", built != nil, err)
		}
		if err := ix.UseSealer(built); err != nil {
			t.Errorf("built sealed=%v, same mode: %v", built != nil, err)
		}
		if err := ix.Reset(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := ix.UseSealer(other); err != nil {
			t.Errorf("after a reset: %v", err)
		}
		_ = ix.Close()
	}
}

// scopeRecorder records the attachment scopes an index deletes; with
// fail set, every deletion fails.
type scopeRecorder struct {
	deleted []string
	fail    bool
}

func (r *scopeRecorder) DeleteScope(scope string) error {
	r.deleted = append(r.deleted, scope)
	if r.fail {
		return errors.New("permission denied")
	}
	return nil
}

// TestFailedAttachmentDeletionDoesNotStopTheIndex: a disk that refuses to
// delete an erased person's attachments does not hold the index up: the
// erasure is applied (the person is no longer found) and later
// statements are indexed.
func TestFailedAttachmentDeletionDoesNotStopTheIndex(t *testing.T) {
	t.Run("sealed", func(t *testing.T) {
		f := newFixture(t)
		rec := &scopeRecorder{fail: true}
		f.ix.UseAttachments(rec)
		s := stmt("nguyen-van-an", "passed", activity("bai-1"))
		s["attachments"] = []any{map[string]any{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
			"display": map[string]any{"vi-VN": "chứng chỉ"}, "contentType": "application/pdf", "length": 3,
			"sha2": "8c2574892063f995fdf756bce07f46c1a5193e54cd52837ed91e32008ccf41ac"}}
		f.add(s)
		subject := f.keys.Subject(akey("nguyen-van-an"))
		f.keys.Destroy(akey("nguyen-van-an"))
		f.erase(subject) // fails the test if Apply returns an error
		if len(rec.deleted) != 1 {
			t.Fatalf("deletions tried: %v", rec.deleted)
		}
		if got := f.query(lrs.Query{Agent: akey("nguyen-van-an")}); len(got) != 0 {
			t.Errorf("the erased person is still found: %v", got)
		}
		if later := f.add(stmt("tran-thi-binh", "completed", activity("bai-2"))); !eq(f.query(lrs.Query{Agent: akey("tran-thi-binh")}), later) {
			t.Error("a later statement was not indexed")
		}
	})
}

// TestErasureDeletesTheAttachmentScopes: a sealed statement with
// attachments reads back with its actor's key as attachment scope, and a
// person's erasure deletes the scopes of the statements they made (as
// actor), not those of someone else's statement about them.
func TestErasureDeletesTheAttachmentScopes(t *testing.T) {
	t.Run("sealed", func(t *testing.T) {
		ctx := context.Background()
		f := newFixture(t)
		rec := &scopeRecorder{}
		f.ix.UseAttachments(rec)
		withCertificate := func(s map[string]any) map[string]any {
			s["attachments"] = []any{map[string]any{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
				"display": map[string]any{"vi-VN": "chứng chỉ"}, "contentType": "application/pdf", "length": 3,
				"sha2": "8c2574892063f995fdf756bce07f46c1a5193e54cd52837ed91e32008ccf41ac"}}
			return s
		}
		ids := f.add(withCertificate(stmt("nguyen-van-an", "passed", activity("bai-1"))),
			withCertificate(stmt("tran-thi-binh", "mentored", agent("nguyen-van-an"))),
			stmt("nguyen-van-an", "completed", activity("bai-2")))
		anKey, err := f.keys.CurrentKeyID(ctx, f.keys.Subject(akey("nguyen-van-an")))
		if err != nil {
			t.Fatal(err)
		}
		binhKey, _ := f.keys.CurrentKeyID(ctx, f.keys.Subject(akey("tran-thi-binh")))
		for i, want := range []string{anKey, binhKey, ""} {
			st, _, err := f.ix.Get(ctx, uuid.MustParse(ids[i]))
			if err != nil || st.AttachmentScope != want {
				t.Errorf("statement %d: attachment scope %q (%v), want %q", i, st.AttachmentScope, err, want)
			}
		}
		subject := f.keys.Subject(akey("nguyen-van-an"))
		f.keys.Destroy(akey("nguyen-van-an"))
		f.erase(subject)
		if len(rec.deleted) != 1 || rec.deleted[0] != anKey {
			t.Errorf("deleted scopes %v, want only the erased person's %s", rec.deleted, anKey)
		}
	})
}
