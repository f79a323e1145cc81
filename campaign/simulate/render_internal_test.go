package simulate

import (
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/schemas"
)

func TestISODuration(t *testing.T) {
	for ms, want := range map[int64]string{
		0: "PT0S", 500: "PT0.5S", 1250: "PT1.25S", 60_000: "PT1M", 61_001: "PT1M1.001S",
		3_600_000: "PT1H", 5_485_000: "PT1H31M25S", 900_000: "PT15M",
	} {
		got := isoDuration(ms)
		if got != want || !schemas.IsDuration(got) {
			t.Errorf("%d ms: %s, want %s", ms, got, want)
		}
	}
}

func TestAppendUUID(t *testing.T) {
	for _, x := range [][2]uint64{{0, 0}, {^uint64(0), ^uint64(0)}, {mix64(1), mix64(2)}} {
		s := string(appendUUID(nil, x))
		u, err := uuid.Parse(s)
		if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || !schemas.IsUUID(s) {
			t.Errorf("%s: %v, version %d, variant %v", s, err, u.Version(), u.Variant())
		}
	}
}

func TestAccountAndHousehold(t *testing.T) {
	if got := AccountName(0); got != "hv0000001" {
		t.Errorf("AccountName(0) = %s", got)
	}
	if got := AccountName(12_345_678); got != "hv12345679" {
		t.Errorf("AccountName(12345678) = %s", got)
	}
	if got := householdID("21121", 41); got != "hh-21121-00042" {
		t.Errorf("householdID = %s", got)
	}
}

// BenchmarkRender measures rendering one statement (stored form) on one
// goroutine.
func BenchmarkRender(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Learners = 20_000
	c, err := Generate(b.Context(), cfg, Authority("https://hocvu.local/", "bench"))
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = c.Append(buf[:0], i%c.Len(), FormStored)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkGenerate measures planning a 20,000-learner campaign.
func BenchmarkGenerate(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Learners = 20_000
	for i := 0; i < b.N; i++ {
		c, err := Generate(b.Context(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(c.Len()), "statements/op")
	}
}
