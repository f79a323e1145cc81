package dashboard_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/dashboard"
	"github.com/hocvu/hocvu/dashboard/users"
)

type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movableClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *movableClock {
	return &movableClock{t: time.Date(2026, 11, 15, 3, 0, 0, 0, time.UTC)}
}

// gatedUsers holds every password check until released, and tells how
// many checks started.
type gatedUsers struct {
	dashboard.UserStore
	entered chan struct{}
	release chan struct{}
}

func (g *gatedUsers) Verify(username, password string) (users.User, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.UserStore.Verify(username, password)
}

// attempt signs in from c and returns the status and Retry-After seconds.
func (h *harness) attempt(c *http.Client, user, password string) (int, int) {
	h.t.Helper()
	tok := h.csrfFrom(c, "/dashboard/login")
	res, _ := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {user}, "password": {password}})
	ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	return res.StatusCode, ra
}

// TestParallelWrongPasswordsAreCountedFirst sends 40 wrong passwords for
// one user at once. Each attempt must be counted before its password is
// checked, so at most the free attempts reach the check; the rest get 429.
func TestParallelWrongPasswordsAreCountedFirst(t *testing.T) {
	const n = 40
	g := &gatedUsers{entered: make(chan struct{}, n), release: make(chan struct{})}
	var once sync.Once
	release := func() { once.Do(func() { close(g.release) }) }
	defer release()
	h := newHarnessWith(t, harnessOptions{users: func(u dashboard.UserStore) dashboard.UserStore { g.UserStore = u; return g }})

	type try struct {
		c   *http.Client
		tok string
	}
	tries := make([]try, n)
	for i := range tries {
		c := h.client()
		tries[i] = try{c, h.csrfFrom(c, "/dashboard/login")}
	}
	results := make(chan int, n)
	for _, tr := range tries {
		go func() {
			res, err := tr.c.PostForm(h.srv.URL+"/dashboard/login", url.Values{"csrf": {tr.tok}, "username": {"tinh"}, "password": {"guess"}})
			if err != nil {
				results <- -1
				return
			}
			res.Body.Close()
			results <- res.StatusCode
		}()
	}
	// Wait until every attempt was either answered or is inside the check.
	entered, answered, codes := 0, 0, map[int]int{}
	for entered+answered < n {
		select {
		case <-g.entered:
			entered++
		case code := <-results:
			answered++
			codes[code]++
		}
	}
	if entered > dashboard.SignInFree {
		t.Errorf("%d of %d parallel attempts reached the password check, want at most %d", entered, n, dashboard.SignInFree)
	}
	release()
	for ; answered < n; answered++ {
		codes[<-results]++
	}
	if codes[http.StatusUnauthorized] != entered || codes[http.StatusTooManyRequests] != n-entered {
		t.Errorf("answers %v, want %d × 401 and the rest 429", codes, entered)
	}
}

// TestStrangersCannotLockOutKnownBrowsers: wrong passwords from elsewhere
// lock the account and exhaust the address, but a browser where the user
// signed in before still gets in.
func TestStrangersCannotLockOutKnownBrowsers(t *testing.T) {
	h := newHarnessWith(t, harnessOptions{now: newClock().Now})
	owner := h.login("xa", communePass)
	tok := h.csrfFrom(owner, "/dashboard/courses")
	if res, _ := h.post(owner, "/dashboard/logout", url.Values{"csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", res.StatusCode)
	}

	stranger := h.client()
	for i := 0; i < dashboard.SignInFree; i++ {
		if code, _ := h.attempt(stranger, "xa", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if code, _ := h.attempt(stranger, "xa", communePass); code != http.StatusTooManyRequests {
		t.Fatalf("the account is not locked: %d", code)
	}
	for i := 0; ; i++ { // other names until the address is exhausted
		code, _ := h.attempt(stranger, fmt.Sprint("user", i), "guess")
		if code == http.StatusTooManyRequests {
			break
		}
		if code != http.StatusUnauthorized || i > dashboard.SignInAddrBurst {
			t.Fatalf("name %d: %d", i, code)
		}
	}
	if code, _ := h.attempt(h.client(), "tinh", provPass); code != http.StatusTooManyRequests {
		t.Fatalf("a new browser on the exhausted address: %d, want 429", code)
	}
	// The owner's browser carries its device cookie: it gets in.
	if code, _ := h.attempt(owner, "xa", communePass); code != http.StatusSeeOther {
		t.Fatalf("the owner's known browser was locked out: %d", code)
	}
	// The cookie is the user's, not the browser's: it does not help
	// another name.
	tok = h.csrfFrom(owner, "/dashboard/courses")
	if res, _ := h.post(owner, "/dashboard/logout", url.Values{"csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", res.StatusCode)
	}
	if code, _ := h.attempt(owner, "tinh", provPass); code != http.StatusTooManyRequests {
		t.Errorf("the device cookie of xa let tinh past the limits: %d", code)
	}
}

// TestAddressLimitDelaysOthersBriefly: failures from one address make a
// correct sign-in of another user from there wait seconds, not 15 minutes.
func TestAddressLimitDelaysOthersBriefly(t *testing.T) {
	clock := newClock()
	h := newHarnessWith(t, harnessOptions{now: clock.Now})
	stranger := h.client()
	for i := 0; i < dashboard.SignInAddrBurst; i++ {
		if code, _ := h.attempt(stranger, fmt.Sprint("user", i), "guess"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	code, wait := h.attempt(h.client(), "tinh", provPass)
	// Seconds, not the 15 minutes that used to lock everyone behind an
	// address out: at most one refill of the address's budget.
	if code != http.StatusTooManyRequests || wait < 1 || wait > int(dashboard.SignInAddrEvery/time.Second) || wait >= 60 {
		t.Fatalf("after %d failures from the address: %d, Retry-After %d s; want 429 for at most %s",
			dashboard.SignInAddrBurst, code, wait, dashboard.SignInAddrEvery)
	}
	clock.Add(time.Duration(wait) * time.Second)
	if code, _ := h.attempt(h.client(), "tinh", provPass); code != http.StatusSeeOther {
		t.Fatalf("after Retry-After: %d, want a sign-in", code)
	}
}
