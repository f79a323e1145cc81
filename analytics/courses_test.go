package analytics

import (
	"errors"
	"strings"
	"testing"
)

func TestPickName(t *testing.T) {
	full := map[string]string{"vi-VN": "Kỹ năng số", "vi": "Kỹ năng", "en-US": "Digital skills", "en-GB": "Digital skills (UK)", "fr": "Compétences"}
	for _, c := range []struct {
		names           map[string]string
		lang, name, tag string
	}{
		{full, "", "Kỹ năng số", "vi-VN"},
		{full, "vi", "Kỹ năng", "vi"},
		{full, "vi-VN", "Kỹ năng số", "vi-VN"},
		{full, "en", "Digital skills", "en-US"},
		{full, "en-gb", "Digital skills (UK)", "en-GB"},
		{full, "fr", "Compétences", "fr"},
		{full, "fr-CA", "Compétences", "fr"},
		{full, "de", "Kỹ năng số", "vi-VN"},
		{map[string]string{"vi": "Kỹ năng", "en-US": "Digital skills"}, "vi-VN", "Kỹ năng", "vi"},
		{map[string]string{"vi-x-local": "Kỹ năng", "en": "Digital"}, "", "Kỹ năng", "vi-x-local"},
		{map[string]string{"en-GB": "Online safety"}, "vi", "Online safety", "en-GB"},
		{map[string]string{"en": "Online safety", "en-AU": "Online safety (AU)"}, "vi", "Online safety", "en"},
		{map[string]string{"VI-vn": "Hoa thường"}, "vi-VN", "Hoa thường", "VI-vn"},
		{map[string]string{"fr": "Compétences", "zh": "技能"}, "vi", "", ""},
		{map[string]string{"vi-VN": ""}, "vi", "", ""},
		{nil, "vi", "", ""},
	} {
		name, tag := PickName(c.names, c.lang)
		if name != c.name || tag != c.tag {
			t.Errorf("PickName(%v, %q) = %q, %q; want %q, %q", c.names, c.lang, name, tag, c.name, c.tag)
		}
	}
}

func TestLangParameter(t *testing.T) {
	for _, ok := range []string{"", "vi", "vi-VN", "en-US", "fr", "zh-Hant-TW"} {
		p := Params{Lang: ok}
		if err := p.Validate(); err != nil {
			t.Errorf("lang %q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"vi_VN!", "not a tag", "x", strings.Repeat("a", 40)} {
		p := Params{Lang: bad}
		if err := p.Validate(); !errors.Is(err, ErrBadParams) {
			t.Errorf("lang %q accepted (%v)", bad, err)
		}
	}
}
