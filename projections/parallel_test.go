package projections

import (
	"fmt"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
)

func TestPrepareKeepsLogOrder(t *testing.T) {
	for _, n := range []int{0, 1, parallelFrom - 1, parallelFrom * 2, parallelFrom*7 + 3} {
		events := make([]eventstore.RecordedEvent, n)
		for i := range events {
			events[i].Type = fmt.Sprint(i)
		}
		got := Prepare(events, func(ev *eventstore.RecordedEvent) string { return ev.Type + "!" })
		if len(got) != n {
			t.Fatalf("n=%d: %d results", n, len(got))
		}
		for i, g := range got {
			if g != fmt.Sprint(i)+"!" {
				t.Fatalf("n=%d: result %d is %q", n, i, g)
			}
		}
	}
}
