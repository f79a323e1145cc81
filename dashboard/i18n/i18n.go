// Package i18n holds the dashboard's labels in Vietnamese (the default)
// and English: one JSON dictionary per language, embedded, shared by the
// server-rendered pages, the browser code (which receives the dictionary
// inline) and the commune report. A missing key falls back to Vietnamese,
// then to the key itself; a test checks both dictionaries have the same
// keys.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Languages are the supported languages, the default first.
var Languages = []string{"vi", "en"}

// Default is the default language.
const Default = "vi"

//go:embed vi.json en.json
var files embed.FS

var dicts = map[string]map[string]string{}

func init() {
	for _, l := range Languages {
		data, err := files.ReadFile(l + ".json")
		if err != nil {
			panic(err)
		}
		d := map[string]string{}
		if err := json.Unmarshal(data, &d); err != nil {
			panic(fmt.Sprintf("i18n: %s.json: %v", l, err))
		}
		dicts[l] = d
	}
}

// Normalize returns a supported language for s (Default when unknown).
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	if _, ok := dicts[s]; ok {
		return s
	}
	return Default
}

// T translates key into lang.
func T(lang, key string) string {
	if v, ok := dicts[Normalize(lang)][key]; ok {
		return v
	}
	if v, ok := dicts[Default][key]; ok {
		return v
	}
	return key
}

// Tf translates key and replaces its placeholders {0}, {1}, … with args
// (the same syntax the browser code uses).
func Tf(lang, key string, args ...any) string {
	s := T(lang, key)
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", fmt.Sprint(a))
	}
	return s
}

// Dict returns the whole dictionary of lang (do not modify it).
func Dict(lang string) map[string]string { return dicts[Normalize(lang)] }

// Keys returns the keys of lang's dictionary.
func Keys(lang string) []string {
	d := dicts[Normalize(lang)]
	out := make([]string, 0, len(d))
	for k := range d {
		out = append(out, k)
	}
	return out
}

// Locale is the BCP 47 locale for number formatting in lang.
func Locale(lang string) string {
	if Normalize(lang) == "en" {
		return "en-US"
	}
	return "vi-VN"
}

// CookieName is the cookie that remembers the chosen language.
const CookieName = "hocvu_lang"

// FromRequest picks the language: ?lang=, then the cookie, then Default.
// changed reports that ?lang= named a language (the caller then sets the
// cookie).
func FromRequest(r *http.Request) (lang string, changed bool) {
	if q := r.URL.Query().Get("lang"); q != "" {
		return Normalize(q), true
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return Normalize(c.Value), false
	}
	return Default, false
}
