package sealing_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/hocvu/hocvu/privacy/sealing"
)

// TestSealCacheReusesAnAgentUntilItsKeyChanges: with a cache, a person
// sealed again under the same key gets the same sealed form (and the
// statements open the same as without a cache); once the person's key is
// destroyed, their next statement is sealed under the new key and opens
// in clear, not as a placeholder. A Group with members is never reused.
func TestSealCacheReusesAnAgentUntilItsKeyChanges(t *testing.T) {
	ctx := context.Background()
	ks := newMemKeys()
	s := sealing.Sealer{Keys: ks, Cache: sealing.NewSealCache(100)}
	const st = `{"actor":{"name":"Nguyễn Văn An","mbox":"mailto:an@example.vn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}`
	const group = `{"actor":{"objectType":"Group","name":"Lớp A","mbox":"mailto:lop-a@example.vn","member":[{"mbox":"mailto:hoa@example.vn"}]},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}`
	seal := func(statement string) []byte {
		t.Helper()
		b, err := s.Seal(ctx, []byte(statement))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := seal(st), seal(st)
	if !bytes.Equal(a, b) {
		t.Errorf("the same person under the same key was sealed twice:\n%s\n%s", a, b)
	}
	if bytes.Contains(a, []byte("an@example.vn")) {
		t.Fatalf("not sealed: %s", a)
	}
	if g1, g2 := seal(group), seal(group); bytes.Equal(g1, g2) {
		t.Error("a Group with members was reused")
	}
	ks.Destroy("mbox:mailto:an@example.vn")
	c := seal(st)
	if bytes.Equal(c, a) {
		t.Fatal("after the erasure the old sealed form was reused")
	}
	opened, err := s.Open(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(opened, []byte("Nguyễn Văn An")) {
		t.Errorf("the statement after the erasure does not open: %s", opened)
	}
	old, err := s.Open(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(old, []byte("Nguyễn Văn An")) || !bytes.Contains(old, []byte(sealing.ErasedHomePage)) {
		t.Errorf("the statement before the erasure opens: %s", old)
	}
}
