package chain

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// TagPoW is the domain tag of the hashcash stamp.
const TagPoW = "careerchain/pow/v1"

// powCheckEvery is how many counters MineBytes tries between two looks at
// its context.
const powCheckEvery = 4096

// StampHash returns SHA-256(TagPoW + "\n" + data + counter as 8 bytes big
// endian).
func StampHash(data []byte, counter uint64) [32]byte {
	buf := make([]byte, 0, len(TagPoW)+1+len(data)+8)
	buf = append(buf, TagPoW...)
	buf = append(buf, '\n')
	buf = append(buf, data...)
	buf = binary.BigEndian.AppendUint64(buf, counter)
	return sha256.Sum256(buf)
}

// StampOK reports whether StampHash(data, counter) has at least difficulty
// leading zero bits. Difficulty 0 accepts every counter.
func StampOK(data []byte, counter uint64, difficulty uint8) bool {
	if difficulty == 0 {
		return true
	}
	h := StampHash(data, counter)
	return leadingZeroBits(h[:]) >= int(difficulty)
}

func leadingZeroBits(b []byte) int {
	n := 0
	for _, c := range b {
		if c != 0 {
			return n + bits.LeadingZeros8(c)
		}
		n += 8
	}
	return n
}

// MineBytes returns the smallest counter in [0, MaxSafeInteger] whose stamp
// over data meets the difficulty. Each try is one SHA-256; difficulty d
// takes 2^d tries on average. It looks at ctx every few thousand tries and
// returns ctx's error once ctx is done.
func MineBytes(ctx context.Context, data []byte, difficulty uint8) (uint64, error) {
	if difficulty == 0 {
		return 0, nil
	}
	// One buffer; only the counter's 8 bytes change between tries.
	buf := make([]byte, 0, len(TagPoW)+1+len(data)+8)
	buf = append(buf, TagPoW...)
	buf = append(buf, '\n')
	buf = append(buf, data...)
	buf = binary.BigEndian.AppendUint64(buf, 0)
	ctr := buf[len(buf)-8:]
	for counter := uint64(0); counter <= MaxSafeInteger; counter++ {
		if counter%powCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return 0, fmt.Errorf("chain: mining stopped after %d tries: %w", counter, err)
			}
		}
		binary.BigEndian.PutUint64(ctr, counter)
		h := sha256.Sum256(buf)
		if leadingZeroBits(h[:]) >= int(difficulty) {
			return counter, nil
		}
	}
	return 0, fmt.Errorf("%w: no stamp of difficulty %d below 2^53", ErrPoW, difficulty)
}

// PoWData returns the bytes a transaction's stamp covers: the SHA-256 of the
// canonical encoding of tx with PoW set to 0 (its TxID before mining).
func PoWData(tx *Tx) ([]byte, error) {
	if tx == nil {
		return nil, fmt.Errorf("%w: nil transaction", ErrMalformed)
	}
	zero := *tx
	zero.PoW = 0
	id, err := TxIDBytes(&zero)
	if err != nil {
		return nil, err
	}
	return id[:], nil
}

// Mine sets tx.PoW to a counter that meets the difficulty. It changes
// nothing if ctx ends first. Difficulty 0 sets PoW to 0.
func Mine(ctx context.Context, tx *Tx, difficulty uint8) error {
	data, err := PoWData(tx)
	if err != nil {
		return err
	}
	counter, err := MineBytes(ctx, data, difficulty)
	if err != nil {
		return err
	}
	tx.PoW = counter
	return nil
}

// CheckPoW returns nil if tx's stamp meets the difficulty and an error
// wrapping ErrPoW if not. Difficulty 0 accepts every stamp.
func CheckPoW(tx *Tx, difficulty uint8) error {
	if difficulty == 0 {
		return nil
	}
	data, err := PoWData(tx)
	if err != nil {
		return err
	}
	if !StampOK(data, tx.PoW, difficulty) {
		return fmt.Errorf("%w: stamp %d has fewer than %d leading zero bits", ErrPoW, tx.PoW, difficulty)
	}
	return nil
}
