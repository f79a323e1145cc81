package reference_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
)

var update = flag.Bool("update", false, "rewrite the golden event encodings in testdata/events")

// TestGoldenEvents pins the stored format of every reference event type:
// loading reference.Example() into an empty stream must produce exactly
// the data and metadata in testdata/events/<type>.json. Stored formats are
// permanent: a change here needs a new event type version, not -update.
func TestGoldenEvents(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if _, err := reference.Load(ctx, s, reference.Example(), reference.LoadOptions{Tool: "golden"}); err != nil {
		t.Fatal(err)
	}
	evs, err := s.ReadStream(ctx, reference.Stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, ev := range evs {
		seen[ev.Type] = true
		var got bytes.Buffer
		got.WriteString(`{"id":"` + ev.ID.String() + `","type":"` + ev.Type + `","data":`)
		got.Write(ev.Data)
		got.WriteString(`,"metadata":`)
		got.Write(ev.Metadata)
		got.WriteString("}")
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, got.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		path := filepath.Join("testdata", "events", ev.Type+".json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run the test with -update to create it)", err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s changed:\n got %s\nwant %s", ev.Type, pretty.Bytes(), want)
		}
	}
	for _, k := range reference.Kinds {
		if !seen[reference.EventType(k)] {
			t.Errorf("no %s event", reference.EventType(k))
		}
	}
	for _, typ := range []string{reference.EventCommunesSet, reference.EventPopulationsSet, reference.EventTargetsSet, reference.EventTeamsSet, reference.EventMentorsSet, reference.EventLearnersSet} {
		if k, ok := reference.KindOf(typ); !ok || reference.EventType(k) != typ {
			t.Errorf("event type constant %s does not match EventType", typ)
		}
	}
}
