package sealing_test

import (
	"context"
	"testing"

	"github.com/hocvu/hocvu/privacy/sealing"
)

// campaign is a statement as the campaign's portal sends it: one learner.
const campaign = `{"id":"b1e2a3c4-0000-4000-8000-000000000001","actor":{"objectType":"Agent","name":"Nguyễn Văn An","account":{"homePage":"https://hocvu.vn","name":"hv-00012345"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"vi":"hoàn thành","en-US":"completed"}},"object":{"objectType":"Activity","id":"https://hocvu.vn/courses/kns-01/lessons/03","definition":{"type":"http://adlnet.gov/expapi/activities/lesson","name":{"vi":"Bài 3: Dịch vụ công trực tuyến"}}},"result":{"completion":true,"success":true,"duration":"PT14M3S","score":{"scaled":0.9}},"context":{"registration":"5c0e2c1e-9d0a-4b7e-9f0e-7a1c2b3d4e5f","contextActivities":{"parent":[{"id":"https://hocvu.vn/courses/kns-01"}],"category":[{"id":"https://hocvu.vn/profile"}]},"extensions":{"https://hocvu.vn/ext/commune":"26734","https://hocvu.vn/ext/target-group":"adult","https://hocvu.vn/ext/household":"hh-4411"}},"timestamp":"2026-03-01T08:00:00Z","stored":"2026-03-01T08:00:01.123Z","authority":{"objectType":"Agent","name":"portal","account":{"homePage":"https://hocvu.vn/credentials","name":"portal-key"}},"version":"1.0.3"}`

// BenchmarkSeal and BenchmarkOpen measure the per-statement cost of
// sealing with an in-memory keyring (AES-256-GCM; no key store I/O).
func BenchmarkSeal(b *testing.B) {
	ks := newMemKeys()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealing.Seal(ctx, ks, []byte(campaign)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	ks := newMemKeys()
	ctx := context.Background()
	sealed, err := sealing.Seal(ctx, ks, []byte(campaign))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealing.Open(ctx, ks, sealed); err != nil {
			b.Fatal(err)
		}
	}
}
