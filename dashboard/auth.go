package dashboard

import (
	"crypto/subtle"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/dashboard/i18n"
	"github.com/hocvu/hocvu/dashboard/users"
	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/internal/ratelimit"
)

// context keys.
const (
	ctxUser    = "dashboard.user"
	ctxSession = "dashboard.session"
)

// loadSession attaches the signed-in user (if any) to the request. A
// session whose user was removed, or whose password, role or commune
// changed since sign-in, is ended.
func (d *Dashboard) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err == nil {
			if s, ok := d.sessions.Get(ck.Value); ok {
				u, exists := d.cfg.Users.Get(s.Username)
				if exists && users.Stamp(u) == s.Stamp {
					c.Set(ctxUser, u)
					c.Set(ctxSession, s)
				} else {
					d.sessions.Delete(s.ID)
				}
			}
		}
		return next(c)
	}
}

// currentUser returns the signed-in user.
func currentUser(c echo.Context) (users.User, bool) {
	u, ok := c.Get(ctxUser).(users.User)
	return u, ok
}

func currentSession(c echo.Context) (Session, bool) {
	s, ok := c.Get(ctxSession).(Session)
	return s, ok
}

// requirePage sends visitors without a session to the sign-in page.
func (d *Dashboard) requirePage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := currentUser(c); !ok {
			next := c.Request().URL.RequestURI()
			return c.Redirect(http.StatusSeeOther, Prefix+"/login?next="+url.QueryEscape(next))
		}
		return next(c)
	}
}

// requireAPI answers 401 to requests without a session.
func (d *Dashboard) requireAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := currentUser(c); !ok {
			return echo.NewHTTPError(http.StatusUnauthorized, "sign in at "+Prefix+"/login")
		}
		return next(c)
	}
}

func (d *Dashboard) setCookie(c echo.Context, name, value string, maxAge int, sameSite http.SameSite) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: d.cfg.Secure, SameSite: sameSite})
}

// sameOrigin rejects cross-site form posts: when the browser sends an
// Origin header it must name this host. (The CSRF token is the main
// defence; this is a second one.)
func sameOrigin(c echo.Context) bool {
	o := c.Request().Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, c.Request().Host)
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// safeNext keeps a post-sign-in redirect inside the dashboard.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix+"/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") &&
		!strings.HasPrefix(next, Prefix+"/login") {
		return next
	}
	return Prefix + "/"
}

type loginView struct {
	Lang, Next, CSRF, Error, Username string
	SwitchLang, SwitchURL             string
}

func (d *Dashboard) loginForm(c echo.Context) error {
	if _, ok := currentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return d.renderLogin(c, http.StatusOK, "", "")
}

func (d *Dashboard) renderLogin(c echo.Context, status int, msg, username string) error {
	lang := d.lang(c)
	token, err := RandomToken()
	if err != nil {
		return err
	}
	d.setCookie(c, loginCSRF, token, 3600, http.SameSiteStrictMode)
	v := loginView{Lang: lang, Next: safeNext(c.FormValue("next")), CSRF: token, Error: msg, Username: username}
	v.SwitchLang, v.SwitchURL = switchLang(c, lang)
	return d.render(c, status, "login", v)
}

// login checks the CSRF token, the sign-in limits and the password, then
// starts a new session (a fresh id: no session fixation). Each attempt is
// counted against its limits before the password is checked, so parallel
// guesses cannot slip past them; a success gives the attempt back.
func (d *Dashboard) login(c echo.Context) error {
	lang := d.lang(c)
	username := strings.ToLower(strings.TrimSpace(c.FormValue("username")))
	ck, err := c.Cookie(loginCSRF)
	if err != nil || !tokensEqual(ck.Value, c.FormValue("csrf")) || !sameOrigin(c) {
		return d.renderLogin(c, http.StatusForbidden, i18n.T(lang, "login.csrf"), username)
	}
	addr := httpserver.ClientAddr(c)
	addrKey := ratelimit.AddrKey(addr)
	limited := func(wait time.Duration, by string) error {
		d.log.Warn("dashboard sign-in limited", "user", username, "remote", addr, "by", by, "retry_after", wait.Round(time.Second))
		httpserver.SetRetryAfter(c, wait)
		return d.renderLogin(c, http.StatusTooManyRequests, i18n.Tf(lang, "login.limited", max(1, int(math.Ceil(wait.Minutes())))), username)
	}
	// A browser where this user signed in before is limited by its device
	// cookie alone; any other attempt by the address and the user name.
	device := ""
	if dc, err := c.Cookie(deviceCookie); err == nil {
		if id, ok := d.devices.check(dc.Value, username); ok {
			if _, ok := d.deviceLimit.Reserve(id); ok {
				device = id
			}
		}
	}
	if device == "" {
		if wait, ok := d.addrLimit.Take(addrKey); !ok {
			return limited(wait, "address")
		}
		if wait, ok := d.userLimit.Reserve(username); !ok {
			d.addrLimit.Refund(addrKey)
			return limited(wait, "user")
		}
	}
	u, err := d.cfg.Users.Verify(username, c.FormValue("password"))
	if err != nil {
		if !errors.Is(err, users.ErrUnauthorized) {
			return err
		}
		d.log.Info("dashboard sign-in failed", "user", username, "remote", addr, "device", device != "")
		return d.renderLogin(c, http.StatusUnauthorized, i18n.T(lang, "login.failed"), username)
	}
	if device != "" {
		d.deviceLimit.Reset(device)
	} else {
		d.userLimit.Reset(username)
		d.addrLimit.Refund(addrKey)
	}
	if old, err := c.Cookie(sessionCookie); err == nil {
		d.sessions.Delete(old.Value)
	}
	s, err := d.sessions.Create(u.Username, users.Stamp(u))
	if err != nil {
		return err
	}
	d.setCookie(c, sessionCookie, s.ID, 0, http.SameSiteLaxMode)
	d.setCookie(c, loginCSRF, "", -1, http.SameSiteStrictMode)
	c.SetCookie(&http.Cookie{Name: deviceCookie, Value: d.devices.issue(u.Username), Path: Prefix + "/login",
		MaxAge: int(deviceTTL / time.Second), HttpOnly: true, Secure: d.cfg.Secure, SameSite: http.SameSiteStrictMode})
	d.log.Info("dashboard sign-in", "user", u.Username, "role", u.Role, "commune", u.Commune, "remote", addr, "device", device != "")
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// logout ends the session; it needs the session's CSRF token.
func (d *Dashboard) logout(c echo.Context) error {
	s, ok := currentSession(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, Prefix+"/login")
	}
	if !tokensEqual(s.CSRF, c.FormValue("csrf")) || !sameOrigin(c) {
		return d.errorPage(c, http.StatusForbidden, "login.csrf")
	}
	d.sessions.Delete(s.ID)
	d.setCookie(c, sessionCookie, "", -1, http.SameSiteLaxMode)
	return c.Redirect(http.StatusSeeOther, Prefix+"/login")
}
