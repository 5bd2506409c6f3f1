package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bAccounts = []byte("accounts") // id → Account
	bEmails   = []byte("emails")   // normalised e-mail → JSON []account id
	bWallets  = []byte("wallets")  // address → Wallet
	bSessions = []byte("sessions") // id → Session
	bLogins   = []byte("logins")   // id → LoginAttempt
)

// Bolt is the embedded Store: one bbolt file.
type Bolt struct {
	db  *bolt.DB
	now func() time.Time
}

var _ Store = (*Bolt)(nil)

// Open opens (or creates) the bbolt store at path. now is the clock for
// expiries (nil: time.Now).
func Open(path string, now func() time.Time) (*Bolt, error) {
	if now == nil {
		now = time.Now
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w (is another portal using it?)", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bAccounts, bEmails, bWallets, bSessions, bLogins, bClaims, bFiles, bEvents} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Bolt{db: db, now: now}, nil
}

// Close closes the file. It is idempotent.
func (s *Bolt) Close() error { return s.db.Close() }

func get[T any](tx *bolt.Tx, bucket []byte, key string) (T, error) {
	var v T
	raw := tx.Bucket(bucket).Get([]byte(key))
	if raw == nil {
		return v, ErrNotFound
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("store: damaged %s entry: %w", bucket, err)
	}
	return v, nil
}

func put(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put([]byte(key), raw)
}

func (s *Bolt) UpsertAccount(_ context.Context, a Account) (Account, error) {
	if a.Issuer == "" || a.Subject == "" {
		return Account{}, errors.New("store: an account needs an issuer and a subject")
	}
	a.ID = AccountID(a.Issuer, a.Subject)
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := get[Account](tx, bAccounts, a.ID)
		switch {
		case err == nil:
			a.Findable, a.Created = old.Findable, old.Created
			if err := indexEmail(tx, old.Email, a.ID, false); err != nil {
				return err
			}
		case errors.Is(err, ErrNotFound):
			a.Created = s.now()
		default:
			return err
		}
		if err := indexEmail(tx, a.Email, a.ID, true); err != nil {
			return err
		}
		return put(tx, bAccounts, a.ID, a)
	})
	return a, err
}

// indexEmail adds or removes id under email's index entry.
func indexEmail(tx *bolt.Tx, email, id string, add bool) error {
	e := NormEmail(email)
	if e == "" {
		return nil
	}
	ids, err := get[[]string](tx, bEmails, e)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	ids = slices.DeleteFunc(ids, func(x string) bool { return x == id })
	if add {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return tx.Bucket(bEmails).Delete([]byte(e))
	}
	return put(tx, bEmails, e, ids)
}

func (s *Bolt) Account(_ context.Context, id string) (a Account, err error) {
	err = s.db.View(func(tx *bolt.Tx) error { a, err = get[Account](tx, bAccounts, id); return err })
	return a, err
}

func (s *Bolt) SetFindable(_ context.Context, id string, on bool) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		a, err := get[Account](tx, bAccounts, id)
		if err != nil {
			return err
		}
		a.Findable = on
		return put(tx, bAccounts, id, a)
	})
}

func (s *Bolt) LinkWallet(_ context.Context, w Wallet) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if _, err := get[Account](tx, bAccounts, w.AccountID); err != nil {
			return err
		}
		old, err := get[Wallet](tx, bWallets, w.Address)
		switch {
		case err == nil && old.AccountID == w.AccountID:
			return nil
		case err == nil:
			return ErrTaken
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if w.Linked.IsZero() {
			w.Linked = s.now()
		}
		return put(tx, bWallets, w.Address, w)
	})
}

func (s *Bolt) Wallets(_ context.Context, accountID string) ([]Wallet, error) {
	var out []Wallet
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bWallets).ForEach(func(k, v []byte) error {
			var w Wallet
			if err := json.Unmarshal(v, &w); err != nil {
				return fmt.Errorf("store: damaged wallet entry: %w", err)
			}
			if w.AccountID == accountID {
				out = append(out, w)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Linked.Before(out[j].Linked) })
	return out, err
}

func (s *Bolt) FindByEmail(_ context.Context, email string) ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		ids, err := get[[]string](tx, bEmails, NormEmail(email))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			a, err := get[Account](tx, bAccounts, id)
			if err != nil || !a.Findable || !a.EmailVerified || NormEmail(a.Email) != NormEmail(email) {
				continue
			}
			c := tx.Bucket(bWallets).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				var w Wallet
				if json.Unmarshal(v, &w) == nil && w.AccountID == id {
					out = append(out, w.Address)
				}
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func (s *Bolt) PutSession(_ context.Context, se Session) error {
	return s.db.Update(func(tx *bolt.Tx) error { return put(tx, bSessions, se.ID, se) })
}

func (s *Bolt) Session(_ context.Context, id string) (se Session, err error) {
	err = s.db.View(func(tx *bolt.Tx) error { se, err = get[Session](tx, bSessions, id); return err })
	if err == nil && !s.now().Before(se.Expires) {
		_ = s.DeleteSession(context.Background(), id)
		return Session{}, ErrNotFound
	}
	return se, err
}

func (s *Bolt) DeleteSession(_ context.Context, id string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bSessions).Delete([]byte(id)) })
}

func (s *Bolt) PutLogin(_ context.Context, l LoginAttempt) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		// Expired attempts are swept here, so abandoned logins do not pile up.
		now := s.now()
		c := tx.Bucket(bLogins).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var old LoginAttempt
			if json.Unmarshal(v, &old) != nil || !now.Before(old.Expires) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return put(tx, bLogins, l.ID, l)
	})
}

func (s *Bolt) TakeLogin(_ context.Context, id string) (l LoginAttempt, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		if l, err = get[LoginAttempt](tx, bLogins, id); err != nil {
			return err
		}
		return tx.Bucket(bLogins).Delete([]byte(id))
	})
	if err == nil && !s.now().Before(l.Expires) {
		return LoginAttempt{}, ErrNotFound
	}
	return l, err
}
