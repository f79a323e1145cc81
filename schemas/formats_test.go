package schemas_test

import (
	"testing"

	"github.com/hocvu/hocvu/schemas"
)

func TestIsIRI(t *testing.T) {
	valid := []string{
		"http://example.com", "https://example.com/path?q=1#frag", "urn:uuid:6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
		"http://example.com/فعل/خواندن", "mailto:a@example.com", "tag:example.com,2024:x", "http://example.com/%20x",
		"x-custom+scheme.v1:thing",
	}
	invalid := []string{
		"", "example.com", "/relative/path", "#frag", "ab=c://should.fail.com", "1http://x", "http:",
		"http://example.com/a b", "http://example.com/<x>", "http://example.com/%zz", "http://example.com/%2",
		"http://example.com/a#b#c", "should error", ":x", "http://example.com/\x00", "http://example.com/\x7f",
		"http://example.com/\xff",
	}
	for _, s := range valid {
		if !schemas.IsIRI(s) {
			t.Errorf("IsIRI(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if schemas.IsIRI(s) {
			t.Errorf("IsIRI(%q) = true", s)
		}
	}
}

func TestIsUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"6690e6c9-3ef0-4ed3-8b37-7f3964730bee":   true,
		"AA97B177-9383-4934-8543-0F91A7A02836":   true,
		"00000000-0000-0000-0000-000000000000":   true,
		"AA97B177-9383-4934-8543-0F91A7A028368":  false,
		"MA97B177-9383-4934-8543-0F91A7A02836":   false,
		"6690e6c93ef04ed38b377f3964730bee":       false,
		"{6690e6c9-3ef0-4ed3-8b37-7f3964730bee}": false,
		"6690e6c9_3ef0-4ed3-8b37-7f3964730bee":   false,
		"":                                       false,
	} {
		if got := schemas.IsUUID(s); got != want {
			t.Errorf("IsUUID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsMailto(t *testing.T) {
	for s, want := range map[string]bool{
		"mailto:learner@example.com":            true,
		"mailto:first.last+tag@sub.example.org": true,
		"mailto:a@localhost":                    true,
		"learner@example.com":                   false,
		"MAILTO:learner@example.com":            false,
		"mailto:":                               false,
		"mailto:should.fail.com":                false,
		"mailto:@example.com":                   false,
		"mailto:learner@":                       false,
		"mailto:a b@example.com":                false,
		"mailto:Learner <l@example.com>":        false,
		"mailto:l@example.com?subject=hi":       false,
		"mailto:a@b@c":                          false,
		"http://should.fail.com":                false,
	} {
		if got := schemas.IsMailto(s); got != want {
			t.Errorf("IsMailto(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsDuration(t *testing.T) {
	valid := []string{"PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "PT1H0M0S", "PT0.01S",
		"P1D", "PT1M", "P1M", "P0D", "PT1,5S", "P1.5Y", "PT36H", "P0.5W", "P1DT2H"}
	invalid := []string{"", "P", "PT", "P1DT", "PA1H0M0S", "P4W1D", "P1W2W", "P16559.14S", "1D", "PT1.5H2M", "P1M2Y",
		"P1Y1Y", "P-1D", "p1d", "PT1h", "P0003-01-29T04:35:59", "PT.5S", "PT1.S", "P1D ", " P1D", "PT1H1H", "P1DT1D"}
	for _, s := range valid {
		if !schemas.IsDuration(s) {
			t.Errorf("IsDuration(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if schemas.IsDuration(s) {
			t.Errorf("IsDuration(%q) = true", s)
		}
	}
}

func TestIsTimestamp(t *testing.T) {
	cases := []struct {
		s          string
		v103, v200 bool
	}{
		{"2013-05-18T05:32:34.804Z", true, true},
		{"2013-05-18T05:32:34.804+00:00", true, true},
		{"2015-11-18T12:17:00+05:30", true, true},
		{"2008-09-15 15:53:00.601+00:00", true, true},
		{"2013-05-18t05:32:34z", true, true},
		{"2013-05-18T05:32:34.123456789123Z", true, true},
		{"2016-12-31T23:59:60Z", true, true},
		{"2024-02-29T00:00:00Z", true, true},
		{"2000-02-29T00:00:00Z", true, true},
		{"2013-05-18T05:32:34", true, false},
		{"2013-05-18T05:32Z", true, false},
		{"2013-05-18T05:32:34,5Z", true, false},
		{"2013-05-18T05:32:34+0100", true, false},
		{"2013-05-18T05:32:34+01", true, false},
		{"20130518T053234Z", true, false},
		{"20130518T0532", true, false},
		{"2013-05-18T24:00:00Z", true, true},
		{"2013-05-18T24:00:01Z", false, false},
		{"2008-09-15T15:53:00.601-00", false, false},
		{"2008-09-15T15:53:00.601-0000", false, false},
		{"2008-09-15T15:53:00.601-00:00", false, false},
		{"2023-02-29T00:00:00Z", false, false},
		{"1900-02-29T00:00:00Z", false, false},
		{"2013-13-18T05:32:34Z", false, false},
		{"2013-04-31T05:32:34Z", false, false},
		{"2013-05-18T05:60:34Z", false, false},
		{"2013-05-18T05:32:61Z", false, false},
		{"2013-05-18T05:32:34.Z", false, false},
		{"2013-05-18T05:32:34+24:00", false, false},
		{"2013-05-18T05:32:34+01:60", false, false},
		{"2013-05-18", false, false},
		{"2013-05-18T", false, false},
		{"01/011/2015", false, false},
		{"should fail", false, false},
		{"2013-0518T05:32:34Z", false, false},
		{"2013-05-18T05:32:34Z ", false, false},
		{"", false, false},
	}
	for _, c := range cases {
		if got := schemas.IsTimestamp(schemas.V103, c.s); got != c.v103 {
			t.Errorf("IsTimestamp(1.0.3, %q) = %v, want %v", c.s, got, c.v103)
		}
		if got := schemas.IsTimestamp(schemas.V200, c.s); got != c.v200 {
			t.Errorf("IsTimestamp(2.0.0, %q) = %v, want %v", c.s, got, c.v200)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	a, ok1 := schemas.ParseTimestamp("2024-01-01T01:30:00+01:30")
	b, ok2 := schemas.ParseTimestamp("2024-01-01T00:00:00Z")
	c, ok3 := schemas.ParseTimestamp("20240101T000000")
	if !ok1 || !ok2 || !ok3 || !a.Equal(b) || !b.Equal(c) {
		t.Errorf("instants differ: %v %v %v", a, b, c)
	}
	leap, ok := schemas.ParseTimestamp("2016-12-31T23:59:60Z")
	if next, _ := schemas.ParseTimestamp("2017-01-01T00:00:00Z"); !ok || !leap.Equal(next) {
		t.Errorf("leap second: %v", leap)
	}
	if _, ok := schemas.ParseTimestamp("nope"); ok {
		t.Error("parsed nonsense")
	}
}

func TestIsLanguageTag(t *testing.T) {
	valid := []string{"en", "en-US", "de", "ine", "zh-Hant", "sr-Latn", "zh-cmn-Hans-CN", "sr-Latn-RS", "sl-rozaj-biske",
		"de-CH-1901", "hy-Latn-IT-arevela", "de-DE", "az-Arab-x-AZE-derbend", "x-whatever", "i-enochian", "es-419",
		"en-a-bbb-x-a-ccc", "qaa-Qaaa-QM-x-southern", "tlh", "EN-us", "art-lojban", "zh-min-nan", "sgn-BE-FR", "en-GB-oed",
		"sl-1994", "de-Latn-DE-1996", "en-US-u-islamcal", "zh-CN-a-myext-x-private", "abcde", "abcdefgh"}
	invalid := []string{"", "a-DE", "de-419-DE", "ar-a-aaa-b-bbb-a-ccc", "a12345", "en--US", "en-", "-en", "en_US",
		"abcdefghi", "en-US-x", "en-a", "en-a-b-x-c", "sl-rozaj-rozaj", "de-DE-1901-1901", "x", "en-x-abcdefghi",
		"supercalifragilisticexpialidociouswhatabouthhhhhhh", "1en", "en-US-", "en US", "zh-Hant-Hans"}
	for _, s := range valid {
		if !schemas.IsLanguageTag(s) {
			t.Errorf("IsLanguageTag(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if schemas.IsLanguageTag(s) {
			t.Errorf("IsLanguageTag(%q) = true", s)
		}
	}
}
