package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func open(t *testing.T) (*Bolt, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s, err := Open(filepath.Join(t.TempDir(), "portal.db"), c.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

func TestAccountsAndEmailLookup(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	a, err := s.UpsertAccount(ctx, Account{Issuer: "https://iss", Subject: "alice", Email: "Alice@Example.com", EmailVerified: true})
	if err != nil || a.ID != AccountID("https://iss", "alice") {
		t.Fatalf("upsert: %+v %v", a, err)
	}
	const addr = "cc1c0a757bd966cc949027df25ebbcd3d1f23a22ec262cdc60e"
	if err := s.LinkWallet(ctx, Wallet{Address: addr, AccountID: a.ID}); err != nil {
		t.Fatal(err)
	}
	// Not findable yet: off by default.
	if got, _ := s.FindByEmail(ctx, "alice@example.com"); len(got) != 0 {
		t.Fatalf("found before opting in: %v", got)
	}
	if err := s.SetFindable(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindByEmail(ctx, " ALICE@example.com "); !slices.Equal(got, []string{addr}) {
		t.Fatalf("lookup: %v", got)
	}
	// A later login keeps the choice, and a changed e-mail moves the index.
	a2, err := s.UpsertAccount(ctx, Account{Issuer: "https://iss", Subject: "alice", Email: "alice@new.example", EmailVerified: true})
	if err != nil || !a2.Findable || !a2.Created.Equal(a.Created) {
		t.Fatalf("second upsert: %+v %v", a2, err)
	}
	if got, _ := s.FindByEmail(ctx, "alice@example.com"); len(got) != 0 {
		t.Fatalf("old e-mail still finds: %v", got)
	}
	if got, _ := s.FindByEmail(ctx, "alice@new.example"); len(got) != 1 {
		t.Fatalf("new e-mail: %v", got)
	}
	// An unverified e-mail is never found, even when findable.
	m, _ := s.UpsertAccount(ctx, Account{Issuer: "https://iss", Subject: "mallory", Email: "alice@new.example"})
	s.SetFindable(ctx, m.ID, true)
	s.LinkWallet(ctx, Wallet{Address: "cc1afc458fb8d41d220cb628caf42fa33392ec0b4cf64bf065d", AccountID: m.ID})
	if got, _ := s.FindByEmail(ctx, "alice@new.example"); !slices.Equal(got, []string{addr}) {
		t.Fatalf("unverified account found: %v", got)
	}
	// The same address cannot be linked to a second account.
	if err := s.LinkWallet(ctx, Wallet{Address: addr, AccountID: m.ID}); !errors.Is(err, ErrTaken) {
		t.Fatalf("second link: %v", err)
	}
	if err := s.LinkWallet(ctx, Wallet{Address: addr, AccountID: a.ID}); err != nil {
		t.Fatalf("relink to the same account: %v", err)
	}
	if ws, _ := s.Wallets(ctx, a.ID); len(ws) != 1 {
		t.Fatalf("wallets: %v", ws)
	}
}

func TestSessionsExpire(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	se := Session{ID: "s1", AccountID: "a", CSRF: "x", Created: c.now(), Expires: c.now().Add(time.Hour)}
	if err := s.PutSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, "s1"); err != nil || got.CSRF != "x" {
		t.Fatalf("session: %+v %v", got, err)
	}
	c.add(time.Hour)
	if _, err := s.Session(ctx, "s1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	s.PutSession(ctx, Session{ID: "s2", Expires: c.now().Add(time.Hour)})
	s.DeleteSession(ctx, "s2")
	if _, err := s.Session(ctx, "s2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
}

func TestLoginAttemptsAreTakenOnce(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	s.PutLogin(ctx, LoginAttempt{ID: "l1", State: "st", Expires: c.now().Add(10 * time.Minute)})
	if l, err := s.TakeLogin(ctx, "l1"); err != nil || l.State != "st" {
		t.Fatalf("take: %+v %v", l, err)
	}
	if _, err := s.TakeLogin(ctx, "l1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second take: %v", err)
	}
	s.PutLogin(ctx, LoginAttempt{ID: "l2", Expires: c.now().Add(time.Minute)})
	c.add(2 * time.Minute)
	if _, err := s.TakeLogin(ctx, "l2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired take: %v", err)
	}
}
