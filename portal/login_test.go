package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginFlow(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	body := b.login("alice@example.com", "alice")
	if !strings.Contains(body, "Alice Kim") || !strings.Contains(body, "Log out") {
		t.Fatalf("the header does not show who is logged in:\n%s", body)
	}
	sid := b.cookie("cc_session")
	if len(sid) != 64 {
		t.Fatalf("session id %q is not 256 random bits in hex", sid)
	}
	se, err := e.store.Session(context.Background(), sid)
	if err != nil || len(se.CSRF) != 64 {
		t.Fatalf("session in store: %+v %v", se, err)
	}
	a, _ := e.store.Account(context.Background(), se.AccountID)
	if a.Subject != "dev-alice" || a.Issuer != e.issuer.URL || a.Email != "alice@example.com" || a.Findable {
		t.Fatalf("account: %+v", a)
	}
	// The admin is named in the config and marked in the header.
	b2 := e.browser()
	if body := b2.login("admin@example.com", "admin"); !strings.Contains(body, `class="tag">admin`) {
		t.Fatalf("admin not marked:\n%s", body)
	}
}

func TestLoginCookieAttributes(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.stopAtCallback = true
	resp, _ := b.loginAt("alice@example.com", "alice")
	loc := resp.Header.Get("Location")
	// Follow the callback by hand to see the Set-Cookie header.
	req, _ := http.NewRequest("GET", loc, nil)
	for _, c := range b.c.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	r, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	var found bool
	for _, c := range r.Cookies() {
		if c.Name == "cc_session" && c.Value != "" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Errorf("session cookie attributes: %+v", c)
			}
		}
	}
	if !found || r.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d %v", r.StatusCode, r.Cookies())
	}
}

// tamper stops a login before the callback, changes its attempt in the
// store, and returns the callback URL.
func tamper(t *testing.T, e *env, b *browser, change func(a *loginAttemptFields)) string {
	t.Helper()
	b.stopAtCallback = true
	resp, _ := b.loginAt("alice@example.com", "alice")
	loc := resp.Header.Get("Location")
	if !strings.Contains(loc, "/auth/callback") {
		t.Fatalf("expected a redirect to the callback, got %d %q", resp.StatusCode, loc)
	}
	if change != nil {
		ctx := context.Background()
		a, err := e.store.TakeLogin(ctx, b.cookie("cc_login"))
		if err != nil {
			t.Fatal(err)
		}
		f := loginAttemptFields{&a.State, &a.Nonce, &a.Verifier}
		change(&f)
		if err := e.store.PutLogin(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	b.stopAtCallback = false
	return loc
}

type loginAttemptFields struct{ State, Nonce, Verifier *string }

func expectRefused(t *testing.T, b *browser, loc string, status int, text string) {
	t.Helper()
	resp, body := b.get(loc)
	if resp.StatusCode != status || !strings.Contains(body, text) {
		t.Fatalf("want %d with %q, got %d:\n%s", status, text, resp.StatusCode, body)
	}
	if b.cookie("cc_session") != "" {
		t.Fatalf("a refused login left a session cookie")
	}
	if strings.Contains(body, "{\"") {
		t.Fatalf("raw JSON on an error page:\n%s", body)
	}
}

func TestLoginRefusesWrongState(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	loc := tamper(t, e, b, nil)
	u, _ := url.Parse(loc)
	q := u.Query()
	q.Set("state", strings.Repeat("0", 64))
	u.RawQuery = q.Encode()
	expectRefused(t, b, u.String(), http.StatusBadRequest, "The login did not succeed")
}

func TestLoginRefusesWrongNonce(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	loc := tamper(t, e, b, func(a *loginAttemptFields) { *a.Nonce = strings.Repeat("1", 64) })
	expectRefused(t, b, loc, http.StatusBadRequest, "The login did not succeed")
}

func TestLoginRefusesWrongPKCEVerifier(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	loc := tamper(t, e, b, func(a *loginAttemptFields) { *a.Verifier = strings.Repeat("v", 43) })
	expectRefused(t, b, loc, http.StatusBadRequest, "The login did not succeed")
}

func TestLoginRefusesReplayedCallback(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	loc := tamper(t, e, b, nil)
	if resp, body := b.get(loc); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Alice Kim") {
		t.Fatalf("first use: %d\n%s", resp.StatusCode, body)
	}
	// The same callback again, from another browser that has no attempt,
	// and from this one whose attempt was used.
	other := e.browser()
	expectRefused(t, other, loc, http.StatusBadRequest, "The login timed out")
	resp, body := b.get(loc)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The login timed out") {
		t.Fatalf("replay in the same browser: %d\n%s", resp.StatusCode, body)
	}
}

func TestLoginRefusesUnverifiedEmail(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	resp, body := b.loginAt("unverified@example.com", "unverified")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Your e-mail is not verified") {
		t.Fatalf("unverified e-mail: %d\n%s", resp.StatusCode, body)
	}
	if b.cookie("cc_session") != "" {
		t.Fatal("an unverified login got a session")
	}
}

func TestLoginWrongPasswordStaysAtIssuer(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	resp, body := b.loginAt("alice@example.com", "nope")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong e-mail or password") {
		t.Fatalf("wrong password: %d\n%s", resp.StatusCode, body)
	}
}

func TestSessionFixation(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	u, _ := url.Parse(e.portal.URL)
	// A session id planted before login (as an attacker would) is not used.
	planted := strings.Repeat("a", 64)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "cc_session", Value: planted, Path: "/"}})
	b.login("alice@example.com", "alice")
	first := b.cookie("cc_session")
	if first == planted || first == "" {
		t.Fatalf("login kept the planted id %q", first)
	}
	// Logging in again mints a new id and ends the old session.
	b.login("alice@example.com", "alice")
	second := b.cookie("cc_session")
	if second == first {
		t.Fatal("second login kept the session id")
	}
	if _, err := e.store.Session(context.Background(), first); err == nil {
		t.Fatal("the old session still exists after a new login")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	body := b.login("alice@example.com", "alice")
	csrf := find(t, csrfRe, body)
	sid := b.cookie("cc_session")
	for _, form := range []url.Values{{}, {"csrf": {strings.Repeat("0", 64)}}} {
		resp, page := b.post("/logout", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "This form has expired") {
			t.Fatalf("logout with csrf %q: %d\n%s", form.Get("csrf"), resp.StatusCode, page)
		}
	}
	if _, err := e.store.Session(context.Background(), sid); err != nil {
		t.Fatal("a refused logout deleted the session")
	}
	resp, page := b.post("/logout", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "You are logged out") {
		t.Fatalf("logout: %d\n%s", resp.StatusCode, page)
	}
	if _, err := e.store.Session(context.Background(), sid); err == nil {
		t.Fatal("logout did not delete the session")
	}
	// The wallet page now asks for a login.
	b.stopAtCallback = true
	r, err := b.c.Get(e.portal.URL + "/wallet")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if !strings.HasPrefix(r.Request.URL.String(), e.issuer.URL) {
		t.Fatalf("/wallet after logout went to %s", r.Request.URL)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	body := b.login("alice@example.com", "alice")
	csrf := find(t, csrfRe, body)
	req, _ := http.NewRequest("POST", e.portal.URL+"/account/findable", strings.NewReader(url.Values{"csrf": {csrf}, "findable": {"on"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "another website") {
		t.Fatalf("cross-site post: %d\n%s", resp.StatusCode, page)
	}
	se, _ := e.store.Session(context.Background(), b.cookie("cc_session"))
	if a, _ := e.store.Account(context.Background(), se.AccountID); a.Findable {
		t.Fatal("a cross-site post changed the account")
	}
}
