package analyticsfacts

import (
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
)

var benchStatement = []byte(`{"id":"0b2c1c7e-8d1a-4c55-9d27-1f0f2d0c9a11","actor":{"objectType":"Agent","account":{"homePage":"https://vneid.example","name":"hv0012345"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"vi-VN":"đã hoàn thành"}},"object":{"objectType":"Activity","id":"https://hoctap.example/khoa/ky-nang-so/bai-3","definition":{"type":"http://adlnet.gov/expapi/activities/lesson","name":{"vi-VN":"Bài 3: Dịch vụ công trực tuyến"},"extensions":{"https://w3id.org/hocvu/xapi/ext/expected-duration":"PT15M"}}},"result":{"completion":true,"duration":"PT14M30S"},"context":{"registration":"7d6c2b0e-4a7b-4d7e-b35a-2a7d0d9e3f10","platform":"Cổng học tập","language":"vi-VN","contextActivities":{"parent":[{"id":"https://hoctap.example/khoa/ky-nang-so","definition":{"type":"http://adlnet.gov/expapi/activities/course"}}]},"extensions":{"https://w3id.org/hocvu/xapi/ext/province":"51","https://w3id.org/hocvu/xapi/ext/commune":"21172","https://w3id.org/hocvu/xapi/ext/target-group":"citizen","https://w3id.org/hocvu/xapi/ext/household":"ho-21172-7","https://w3id.org/hocvu/xapi/ext/mentor":"M-21172-0"}},"timestamp":"2026-10-10T08:15:00+07:00","stored":"2026-10-10T01:15:01.123Z","authority":{"objectType":"Agent","account":{"homePage":"https://hocvu.local/","name":"portal"}},"version":"2.0.0"}`)

func BenchmarkExtract(b *testing.B) {
	ps, _ := analytics.NewPseudonymizer([]byte("0123456789abcdef0123"))
	ev := eventstore.RecordedEvent{Type: lrs.EventStatementStored, Data: benchStatement, Position: eventstore.Position{Commit: 1, Prepare: 1}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := extract(&ev, ps, nil); err != nil {
			b.Fatal(err)
		}
	}
}
