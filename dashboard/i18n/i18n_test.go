package i18n_test

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/i18n"
)

func TestDictionariesHaveTheSameKeys(t *testing.T) {
	vi, en := i18n.Keys("vi"), i18n.Keys("en")
	for _, k := range vi {
		if !slices.Contains(en, k) {
			t.Errorf("en.json lacks %q", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(vi, k) {
			t.Errorf("vi.json lacks %q", k)
		}
	}
}

// Every column of every named query has a label (tables and CSV headers).
func TestEveryColumnHasALabel(t *testing.T) {
	for _, q := range analytics.Catalog {
		for _, c := range q.Columns {
			for _, lang := range i18n.Languages {
				if _, ok := i18n.Dict(lang)["col."+c]; !ok {
					t.Errorf("%s: column %s of %s has no label", lang, c, q.Name)
				}
			}
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"vi", 1234567, "1.234.567"}, {"en", 1234567, "1,234,567"}, {"vi", 12, "12"}, {"vi", -1234, "-1.234"}, {"en", 0, "0"}} {
		if got := i18n.Int(c.lang, c.n); got != c.want {
			t.Errorf("Int(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := i18n.Decimal("vi", 12.345, 1); got != "12,3" {
		t.Errorf("Decimal vi = %q", got)
	}
	if got := i18n.Decimal("en", 1234.5, 1); got != "1,234.5" {
		t.Errorf("Decimal en = %q", got)
	}
	// Small shares keep enough precision to tell them from none (issue 22).
	for _, c := range []struct {
		lang string
		v    float64
		want string
	}{{"vi", 0.005, "< 0,1"}, {"en", 0.04, "< 0.1"}, {"en", 0.05, "0.1"}, {"vi", 0, "0"}, {"en", 12.34, "12.3"},
		{"en", 99.96, "> 99.9"}, {"en", 100, "100"}, {"en", 131.25, "131.3"}} {
		if got := i18n.Percent(c.lang, c.v); got != c.want {
			t.Errorf("Percent(%s, %v) = %q, want %q", c.lang, c.v, got, c.want)
		}
	}
	if got := i18n.Tf("vi", "report.unit", "Tịnh Khê", "21121"); got != "Đơn vị: Tịnh Khê (mã 21121)" {
		t.Errorf("Tf = %q", got)
	}
}

func TestLanguageFromRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "/dashboard/?lang=en", nil)
	if l, changed := i18n.FromRequest(r); l != "en" || !changed {
		t.Errorf("?lang=en: %s %v", l, changed)
	}
	r = httptest.NewRequest("GET", "/dashboard/", nil)
	if l, _ := i18n.FromRequest(r); l != "vi" {
		t.Errorf("default: %s", l)
	}
	if i18n.Normalize("EN-us") != "en" || i18n.Normalize("fr") != "vi" {
		t.Error("Normalize")
	}
}
