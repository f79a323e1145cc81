package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/dashboard/i18n"
	"github.com/hocvu/hocvu/dashboard/users"
)

//go:embed templates/*.html
var templateFS embed.FS

// templates holds one template set per page, each with the layout.
var templates = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"t": func(lang, key string, args ...any) string { return i18n.Tf(lang, key, args...) },
	}
	out := map[string]*template.Template{}
	for _, name := range []string{"shell", "login", "error"} {
		out[name] = template.Must(template.New(name+".html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}()

// render executes a page template into a buffer first, so a template
// error never sends half a page.
func (d *Dashboard) render(c echo.Context, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := templates[name].ExecuteTemplate(&buf, name+".html", data); err != nil {
		return fmt.Errorf("dashboard: render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// lang picks the request's language and remembers a ?lang= choice.
func (d *Dashboard) lang(c echo.Context) string {
	lang, changed := i18n.FromRequest(c.Request())
	if changed {
		c.SetCookie(&http.Cookie{Name: i18n.CookieName, Value: lang, Path: Prefix, MaxAge: 365 * 24 * 3600,
			Secure: d.cfg.Secure, SameSite: http.SameSiteLaxMode})
	}
	return lang
}

// switchLang returns the other language and the current URL with it.
func switchLang(c echo.Context, lang string) (string, string) {
	other := "en"
	if lang == "en" {
		other = "vi"
	}
	u := *c.Request().URL
	q := u.Query()
	q.Set("lang", other)
	u.RawQuery = q.Encode()
	return other, u.RequestURI()
}

// roleRule says which roles may open a page.
type roleRule int

const (
	anyRole roleRule = iota
	provinceOnly
)

// shellView is what the page shell template gets.
type shellView struct {
	Lang, Page, Title, CSRF string
	User                    users.User
	SwitchLang, SwitchURL   string
	Nav                     []navItem
	I18N                    map[string]string
	Ctx                     pageContext
}

type navItem struct {
	Href, Label string
	Current     bool
}

// pageContext is handed to the browser code as JSON.
type pageContext struct {
	Lang          string               `json:"lang"`
	Locale        string               `json:"locale"`
	Page          string               `json:"page"`
	Role          users.Role           `json:"role"`
	Commune       string               `json:"commune,omitempty"` // the user's commune
	Code          string               `json:"code,omitempty"`    // the commune page's commune
	Now           string               `json:"now"`               // current month, YYYY-MM (local)
	Today         string               `json:"today"`             // current day, YYYY-MM-DD (local)
	CampaignStart string               `json:"campaignStart"`
	Groups        []string             `json:"groups"`
	Areas         []string             `json:"areas"`
	Queries       map[string]queryInfo `json:"queries"`
}

type queryInfo struct {
	Params  []string `json:"params"`
	Columns []string `json:"columns"`
	Allowed bool     `json:"allowed"`
}

// areaTypes are the area-type codes of the reference data
// (campaign/reference.AreaTypes).
var areaTypes = []string{"urban", "rural", "mountainous", "island", "ethnic-minority"}

func (d *Dashboard) catalogFor(u users.User) map[string]queryInfo {
	out := map[string]queryInfo{}
	for _, q := range analytics.Catalog {
		out[q.Name] = queryInfo{Params: q.Params, Columns: q.Columns, Allowed: Allowed(u, q)}
	}
	return out
}

func (d *Dashboard) shell(c echo.Context, page, code string) error {
	u, _ := currentUser(c)
	s, _ := currentSession(c)
	lang := d.lang(c)
	v := shellView{Lang: lang, Page: page, CSRF: s.CSRF, User: u, I18N: i18n.Dict(lang)}
	v.SwitchLang, v.SwitchURL = switchLang(c, lang)
	v.Title = i18n.T(lang, "page."+page)
	if code != "" {
		v.Title += " " + code
	}
	if u.Role == users.RoleProvince {
		v.Nav = append(v.Nav, navItem{Prefix + "/", i18n.T(lang, "nav.overview"), page == "overview"},
			navItem{Prefix + "/communes", i18n.T(lang, "nav.communes"), page == "communes" || page == "commune"})
	} else {
		v.Nav = append(v.Nav, navItem{Prefix + "/commune/" + url.PathEscape(u.Commune), i18n.T(lang, "nav.mycommune"), page == "commune"})
	}
	v.Nav = append(v.Nav, navItem{Prefix + "/courses", i18n.T(lang, "nav.courses"), page == "courses"},
		navItem{Prefix + "/integrity", i18n.T(lang, "nav.integrity"), page == "integrity"})
	now := d.cfg.Now().In(analytics.Local)
	v.Ctx = pageContext{Lang: lang, Locale: i18n.Locale(lang), Page: page, Role: u.Role, Commune: u.Commune, Code: code,
		Now: now.Format("2006-01"), Today: now.Format("2006-01-02"), CampaignStart: d.cfg.CampaignStart,
		Groups: vocab.TargetGroups, Areas: areaTypes, Queries: d.catalogFor(u)}
	return d.render(c, http.StatusOK, "shell", v)
}

// page serves a dashboard page; provinceOnly pages send a commune user to
// the page of its own commune.
func (d *Dashboard) page(name string, rule roleRule) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, _ := currentUser(c)
		if rule == provinceOnly && u.Role != users.RoleProvince {
			return c.Redirect(http.StatusSeeOther, Prefix+"/commune/"+url.PathEscape(u.Commune))
		}
		return d.shell(c, name, "")
	}
}

func (d *Dashboard) communePage(c echo.Context) error {
	u, _ := currentUser(c)
	code := c.Param("code")
	if !CanSeeCommune(u, code) {
		return d.errorPage(c, http.StatusForbidden, "err.forbidden")
	}
	return d.shell(c, "commune", code)
}

type errorView struct {
	Lang, Title, Message string
	Status               int
}

// errorPage answers with a small HTML error page.
func (d *Dashboard) errorPage(c echo.Context, status int, key string) error {
	lang := d.lang(c)
	return d.render(c, status, "error", errorView{Lang: lang, Title: i18n.T(lang, "err.title"), Message: i18n.T(lang, key), Status: status})
}

//go:embed assets
var assetFS embed.FS

var assetRoot, _ = fs.Sub(assetFS, "assets")

// assets serves the embedded CSS, JavaScript and icons. They are small and
// change only with the binary; a short cache keeps upgrades visible.
func (d *Dashboard) assets(c echo.Context) error {
	if p := c.Param("*"); p == "" || strings.HasSuffix(p, "/") {
		return echo.NewHTTPError(http.StatusNotFound, "not found")
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	http.StripPrefix(Prefix+"/assets/", http.FileServer(http.FS(assetRoot))).ServeHTTP(c.Response(), c.Request())
	return nil
}
