package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
// Cookies") keep strangers from locking users out: a browser where a user
// signed in successfully gets a signed cookie naming that user. A sign-in
// for that user from that browser skips the account's lock and the
// address's limit, and is limited by its own backoff instead; when that
// runs out the cookie counts for nothing and the usual limits apply.
// Guessing from elsewhere can therefore lock an account and exhaust an
// address, but not the browsers the account's owner already uses.

// deviceCookie is the cookie's name; it is sent only to the sign-in form.
const deviceCookie = "hocvu_device"

// deviceTTL is how long a device cookie is honoured after it was issued.
const deviceTTL = 30 * 24 * time.Hour

// devices issues and checks device cookies, signed with a key that lives
// as long as the process (like the sessions).
type devices struct {
	key []byte
	now func() time.Time
}

func newDevices(now func() time.Time) *devices {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &devices{key: key, now: now}
}

var b64 = base64.RawURLEncoding

func (d *devices) mac(payload string) string {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(payload))
	return b64.EncodeToString(m.Sum(nil))
}

// issue returns a new cookie value for username.
func (d *devices) issue(username string) string {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	payload := "v1." + b64.EncodeToString([]byte(username)) + "." + b64.EncodeToString(nonce) + "." +
		strconv.FormatInt(d.now().Unix(), 10)
	return payload + "." + d.mac(payload)
}

// check returns the cookie's id (its nonce) when value is a cookie this
// process issued for username within deviceTTL.
func (d *devices) check(value, username string) (string, bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", false
	}
	payload, sig := value[:i], value[i+1:]
	if !hmac.Equal([]byte(sig), []byte(d.mac(payload))) {
		return "", false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return "", false
	}
	name, err := b64.DecodeString(parts[1])
	if err != nil || string(name) != username {
		return "", false
	}
	issued, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return "", false
	}
	if age := d.now().Sub(time.Unix(issued, 0)); age < 0 || age > deviceTTL {
		return "", false
	}
	return parts[2], true
}
