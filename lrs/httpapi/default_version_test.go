package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/hocvu/hocvu/lrs/httpapi"
	"github.com/hocvu/hocvu/schemas"
)

// TestDefaultVersionAnswersRequestsWithoutOne checks the version header of
// answers to requests that name no version, or one the LRS does not
// implement (1.0.3 Communication 3.3: the LRS sets it to 1.0.3; IEEE
// 9274.1.1 4.1.7: to its 2.0 patch version): Config.DefaultVersion, 1.0.3
// unless set. Requests naming a supported version are answered in theirs.
func TestDefaultVersionAnswersRequestsWithoutOne(t *testing.T) {
	for _, c := range []struct {
		configured schemas.Version
		want       string
	}{{"", "1.0.3"}, {schemas.V103, "1.0.3"}, {schemas.V200, "2.0.0"}} {
		t.Run("configured "+string(c.configured), func(t *testing.T) {
			s := newLRSWith(t, httpapi.Limits{}, nil, func(cfg *httpapi.Config) { cfg.DefaultVersion = c.configured })
			cases := []struct {
				name   string
				c      call
				status int
				want   string
			}{
				{"statements without version", call{method: "GET", path: "/xapi/statements", version: "-"}, 400, c.want},
				{"statements with 0.95", call{method: "GET", path: "/xapi/statements", version: "0.95"}, 400, c.want},
				{"statements with 2.1.0", call{method: "GET", path: "/xapi/statements", version: "2.1.0"}, 400, c.want},
				{"document without version", call{method: "GET", path: "/xapi/activities/profile", query: url.Values{"activityId": {testActivity}}, version: "-"}, 400, c.want},
				{"about without version", call{method: "GET", path: "/xapi/about", version: "-", key: "-"}, 200, c.want},
				{"unknown resource without version", call{method: "GET", path: "/xapi/nothing", version: "-"}, 400, c.want},
				{"alternate syntax refused before routing", call{method: "PUT", path: "/xapi/statements", query: url.Values{"method": {"PUT"}}, version: "-"}, 400, c.want},
				{"1.0.0", call{method: "GET", path: "/xapi/statements", version: "1.0.0"}, 200, "1.0.3"},
				{"1.0.3", call{method: "GET", path: "/xapi/statements", version: "1.0.3"}, 200, "1.0.3"},
				{"2.0", call{method: "GET", path: "/xapi/statements", version: "2.0"}, 200, "2.0.0"},
				{"2.0.0", call{method: "GET", path: "/xapi/statements", version: "2.0.0"}, 200, "2.0.0"},
				{"about with 2.0.0", call{method: "GET", path: "/xapi/about", version: "2.0.0", key: "-"}, 200, "2.0.0"},
			}
			for _, k := range cases {
				r := s.do(k.c)
				if r.status != k.status || r.header.Get("X-Experience-API-Version") != k.want {
					t.Errorf("%s: %d with X-Experience-API-Version %q, want %d with %q (%s)",
						k.name, r.status, r.header.Get("X-Experience-API-Version"), k.status, k.want, r.body)
				}
			}
		})
	}
}
