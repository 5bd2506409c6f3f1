package chain

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
)

func TestLeadingZeroBits(t *testing.T) {
	tests := []struct {
		in   []byte
		want int
	}{
		{[]byte{0x80}, 0},
		{[]byte{0x01}, 7},
		{[]byte{0x00, 0x40}, 9},
		{[]byte{0x00, 0x00, 0x00}, 24},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := leadingZeroBits(tt.in); got != tt.want {
			t.Errorf("leadingZeroBits(%x) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestMineAndCheckPoW(t *testing.T) {
	f := newFixture(t)
	for _, d := range []uint8{0, 1, 8, 12} {
		tx := f.career(t, careerOpts{})
		if err := Mine(context.Background(), tx, d); err != nil {
			t.Fatalf("Mine(%d): %v", d, err)
		}
		if err := CheckPoW(tx, d); err != nil {
			t.Fatalf("CheckPoW(%d) after Mine: %v", d, err)
		}
		p := f.params()
		p.PoWDifficulty = d
		if err := tx.CheckStateless(p); err != nil {
			t.Fatalf("CheckStateless(difficulty %d) after Mine: %v", d, err)
		}
		// Mine returns the smallest counter: every smaller one fails.
		data := mustPoWData(t, tx)
		for c := uint64(0); c < tx.PoW; c++ {
			if StampOK(data, c, d) {
				t.Fatalf("difficulty %d: counter %d fits, Mine returned %d", d, c, tx.PoW)
			}
		}
		h := StampHash(data, tx.PoW)
		if leadingZeroBits(h[:]) < int(d) {
			t.Fatalf("difficulty %d: stamp hash %x", d, h)
		}
	}
}

func TestCheckPoWCoversTheTransaction(t *testing.T) {
	f := newFixture(t)
	tx := f.revoke(t, f.holder, nil)
	if err := Mine(context.Background(), tx, 12); err != nil {
		t.Fatal(err)
	}
	// Changing any field moves the stamp data; the old counter then fails
	// with probability 1-2^-12 and, for this fixed transaction, does.
	tx.Revoke.Reason = "changed"
	if err := CheckPoW(tx, 12); !errors.Is(err, ErrPoW) {
		t.Fatalf("CheckPoW after a change = %v, want ErrPoW", err)
	}
	if err := CheckPoW(tx, 0); err != nil {
		t.Fatalf("CheckPoW(difficulty 0) = %v", err)
	}
	if err := CheckPoW(nil, 1); !errors.Is(err, ErrMalformed) {
		t.Fatalf("CheckPoW(nil) = %v", err)
	}
}

func TestMineStopsWithContext(t *testing.T) {
	f := newFixture(t)
	tx := f.revoke(t, f.holder, nil)
	tx.PoW = 5
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// 200 leading zero bits is out of reach: only the context ends it.
	err := Mine(ctx, tx, 200)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Mine with a cancelled context = %v", err)
	}
	if tx.PoW != 5 {
		t.Fatalf("Mine changed PoW to %d after failing", tx.PoW)
	}
}

func TestMineBytes(t *testing.T) {
	data := []byte("join request")
	c, err := MineBytes(context.Background(), data, 10)
	if err != nil {
		t.Fatal(err)
	}
	// The stamp layout, spelled out: tag, line feed, data, counter big endian.
	msg := append([]byte("careerchain/pow/v1\n"), data...)
	msg = binary.BigEndian.AppendUint64(msg, c)
	if h := sha256.Sum256(msg); h != StampHash(data, c) || h[0] != 0 || h[1]>>6 != 0 {
		t.Fatalf("counter %d: stamp hash %x does not have 10 leading zero bits", c, h)
	}
	if !StampOK(data, 12345, 0) {
		t.Fatal("difficulty 0 rejected a stamp")
	}
}
