package chain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// DefaultMaxTxBytes bounds an encoded transaction when no other limit is given.
const DefaultMaxTxBytes = 64 << 10

// EncodeTx returns the canonical encoding of tx: its RFC 8785 JSON. The
// TxID is the SHA-256 of these bytes.
func EncodeTx(tx *Tx) ([]byte, error) {
	if tx == nil {
		return nil, fmt.Errorf("%w: nil transaction", ErrMalformed)
	}
	return encodeTx(tx)
}

// DecodeTx decodes a transaction strictly: at most max bytes (max <= 0 means
// DefaultMaxTxBytes), no unknown fields, no trailing data, and b must be the
// canonical encoding of the result (ErrNonCanonical otherwise), so that one
// transaction has exactly one encoding and one TxID. DecodeTx checks form,
// not meaning; run CheckStateless on the result.
func DecodeTx(b []byte, max int) (*Tx, error) {
	if max <= 0 {
		max = DefaultMaxTxBytes
	}
	if len(b) > max {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), max)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var tx Tx
	if err := dec.Decode(&tx); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the transaction", ErrMalformed)
	}
	enc, err := EncodeTx(&tx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !bytes.Equal(enc, b) {
		return nil, fmt.Errorf("%w: re-encoding differs at byte %d (keys must be sorted, no whitespace, no null or empty optional fields, RFC 8785 strings)",
			ErrNonCanonical, firstDiff(enc, b))
	}
	return &tx, nil
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// TxIDBytes returns the SHA-256 of the canonical encoding of tx.
func TxIDBytes(tx *Tx) ([32]byte, error) {
	b, err := EncodeTx(tx)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// TxID returns the transaction id: the hex SHA-256 of EncodeTx(tx). It
// returns "" if tx cannot be encoded (nil, or an integer beyond
// MaxSafeInteger); CheckStateless rejects such transactions, so every
// transaction on chain has an id.
func TxID(tx *Tx) string {
	id, err := TxIDBytes(tx)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(id[:])
}

// Holder returns the holder address of a career transaction, or "" for
// other types.
func Holder(tx *Tx) string {
	if tx == nil || tx.Career == nil {
		return ""
	}
	return tx.Career.Statement.Holder
}

// Subjects returns the addresses a transaction concerns, sorted and
// without duplicates, for the address index: the holder of a career record,
// the address of the key that signed a revocation, the address of the
// config signer. The holder of a revoked record is known only from the
// ledger's state, so the ledger adds it. Keys that are not valid hex are
// skipped (CheckStateless rejects them).
func Subjects(tx *Tx) []string {
	if tx == nil {
		return nil
	}
	var out []string
	addKey := func(k string) {
		if a, err := AddressFromKeyHex(k); err == nil {
			out = append(out, a)
		}
	}
	switch {
	case tx.Career != nil:
		if h := tx.Career.Statement.Holder; h != "" {
			out = append(out, h)
		}
	case tx.Revoke != nil:
		addKey(tx.Revoke.By)
	case tx.Config != nil:
		addKey(tx.Config.Signer)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
