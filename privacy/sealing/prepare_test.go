package sealing_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
)

// preparingKeys records the subjects it is asked to prepare.
type preparingKeys struct {
	*sealingtest.Keys
	prepared []string
}

func (p *preparingKeys) Prepare(_ context.Context, subjects []string) error {
	p.prepared = append(p.prepared, subjects...)
	return nil
}

// TestPrepareCoversEveryoneSealSeals: Prepare asks for the keys of
// exactly the people Seal then seals.
func TestPrepareCoversEveryoneSealSeals(t *testing.T) {
	ctx := context.Background()
	for name, st := range map[string]string{"full": full, "substatement": sub} {
		ks := &preparingKeys{Keys: sealingtest.NewKeys()}
		s := sealing.Sealer{Keys: ks}
		decoded, err := xapi.Decode([]byte(st))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Prepare(ctx, []map[string]any{decoded.(map[string]any)}); err != nil {
			t.Fatal(err)
		}
		sealed, err := s.Seal(ctx, []byte(st))
		if err != nil {
			t.Fatal(err)
		}
		var inSeal []string
		for _, m := range regexp.MustCompile(`"s":"([^"]+)"`).FindAllStringSubmatch(string(sealed), -1) {
			inSeal = append(inSeal, m[1])
		}
		slices.Sort(inSeal)
		inSeal = slices.Compact(inSeal)
		got := slices.Clone(ks.prepared)
		slices.Sort(got)
		got = slices.Compact(got)
		if len(inSeal) == 0 || !slices.Equal(got, inSeal) {
			t.Errorf("%s: prepared %v, sealed %v", name, got, inSeal)
		}
	}
}
