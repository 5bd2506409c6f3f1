package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"
)

var (
	bClaims = []byte("claims") // id → Claim
	bFiles  = []byte("files")  // id → File
	bEvents = []byte("events") // provider + "\n" + event id → time
)

var _ Claims = (*Bolt)(nil)

func (s *Bolt) CreateClaim(_ context.Context, c Claim, files []File) error {
	if c.ID == "" || c.AccountID == "" {
		return errors.New("store: a claim needs an ID and an account")
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bClaims).Get([]byte(c.ID)) != nil {
			return fmt.Errorf("store: claim %s exists", c.ID)
		}
		now := s.now()
		c.Created, c.Updated = now, now
		for _, f := range files {
			if err := put(tx, bFiles, f.ID, f); err != nil {
				return err
			}
		}
		return put(tx, bClaims, c.ID, c)
	})
}

func (s *Bolt) Claim(_ context.Context, id string) (c Claim, err error) {
	err = s.db.View(func(tx *bolt.Tx) error { c, err = get[Claim](tx, bClaims, id); return err })
	return c, err
}

func (s *Bolt) UpdateClaim(_ context.Context, id string, fn func(c *Claim) ([]File, []string, error)) (Claim, error) {
	var out Claim
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, err := get[Claim](tx, bClaims, id)
		if err != nil {
			return err
		}
		add, drop, err := fn(&c)
		if err != nil {
			return err
		}
		c.ID = id
		c.Updated = s.now()
		for _, f := range add {
			if err := put(tx, bFiles, f.ID, f); err != nil {
				return err
			}
		}
		for _, d := range drop {
			if err := tx.Bucket(bFiles).Delete([]byte(d)); err != nil {
				return err
			}
		}
		out = c
		return put(tx, bClaims, id, c)
	})
	return out, err
}

func (s *Bolt) allClaims(keep func(*Claim) bool) ([]Claim, error) {
	var out []Claim
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bClaims).ForEach(func(k, v []byte) error {
			c, err := get[Claim](tx, bClaims, string(k))
			if err != nil {
				return err
			}
			if keep(&c) {
				out = append(out, c)
			}
			return nil
		})
	})
	return out, err
}

func (s *Bolt) ClaimsOf(_ context.Context, accountID string) ([]Claim, error) {
	out, err := s.allClaims(func(c *Claim) bool { return c.AccountID == accountID })
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, err
}

func (s *Bolt) ClaimsIn(_ context.Context, states ...string) ([]Claim, error) {
	out, err := s.allClaims(func(c *Claim) bool { return slices.Contains(states, c.State) })
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Paid.Equal(out[j].Paid) {
			return out[i].Paid.Before(out[j].Paid)
		}
		return out[i].Created.Before(out[j].Created)
	})
	return out, err
}

func (s *Bolt) File(_ context.Context, id string) (f File, err error) {
	err = s.db.View(func(tx *bolt.Tx) error { f, err = get[File](tx, bFiles, id); return err })
	return f, err
}

func (s *Bolt) FirstEvent(_ context.Context, provider, eventID string) (bool, error) {
	if eventID == "" {
		return false, errors.New("store: an event needs an ID")
	}
	first := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		k := provider + "\n" + eventID
		if tx.Bucket(bEvents).Get([]byte(k)) != nil {
			return nil
		}
		first = true
		return put(tx, bEvents, k, s.now())
	})
	return first, err
}

func (s *Bolt) SeenEvent(_ context.Context, provider, eventID string) (seen bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		seen = tx.Bucket(bEvents).Get([]byte(provider+"\n"+eventID)) != nil
		return nil
	})
	return seen, err
}
