package erasure_test

import (
	"errors"
	"testing"

	"github.com/hocvu/hocvu/privacy/erasure"
)

func TestParseAgent(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{`{"mbox":"mailto:an@example.vn","name":"An"}`, "mbox:mailto:an@example.vn"},
		{`{"objectType":"Agent","account":{"homePage":"https://vneid.example","name":"0123"}}`, "account:https://vneid.example\x000123"},
		{`{"mbox_sha1sum":"EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"}`, "mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
		{`{"openid":"https://id.example.vn/an"}`, "openid:https://id.example.vn/an"},
		{`{"objectType":"Group","mbox":"mailto:lop@example.vn"}`, "mbox:mailto:lop@example.vn"},
	} {
		got, err := erasure.ParseAgent([]byte(c.in))
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{
		``, `[]`, `{"name":"An"}`, `{"mbox":"an@example.vn"}`,
		`{"mbox":"mailto:a@b","openid":"https://x"}`, `{"mbox_sha1sum":"xyz"}`, `{"openid":"not a uri"}`,
		`{"account":{"homePage":"https://x"}}`, `{"objectType":"Activity","mbox":"mailto:a@b"}`, `{"mbox":"mailto:a@b","extra":1}`,
	} {
		if _, err := erasure.ParseAgent([]byte(bad)); !errors.Is(err, erasure.ErrBadAgent) {
			t.Errorf("%s: %v, want ErrBadAgent", bad, err)
		}
	}
}
