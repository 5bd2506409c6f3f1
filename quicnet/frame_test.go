package quicnet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func frameBytes(payloads ...[]byte) []byte {
	var b bytes.Buffer
	for _, p := range payloads {
		if err := writeFrame(&b, p); err != nil {
			panic(err)
		}
	}
	return b.Bytes()
}

func header(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

func TestFrameRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		payloads [][]byte
	}{
		{"empty frame", [][]byte{{}}},
		{"one byte", [][]byte{{7}}},
		{"several", [][]byte{[]byte("vote"), {}, bytes.Repeat([]byte{0xAB}, 1000)}},
		{"exactly max", [][]byte{bytes.Repeat([]byte{1}, 64)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bytes.NewReader(frameBytes(tc.payloads...))
			for i, want := range tc.payloads {
				got, err := readFrame(r, 64*1024)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("frame %d: got %d bytes, want %d", i, len(got), len(want))
				}
			}
			if _, err := readFrame(r, 64*1024); err != io.EOF {
				t.Fatalf("after last frame: err %v, want io.EOF", err)
			}
		})
	}
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		max     int
		wantErr error
	}{
		{"over max by one", append(header(65), make([]byte, 65)...), 64, ErrFrameTooLarge},
		// A 4 GiB claim with no data behind it must fail on the check, not
		// on an allocation.
		{"huge claim", header(0xFFFFFFFF), 1 << 20, ErrFrameTooLarge},
		{"truncated header", []byte{0, 0}, 64, io.ErrUnexpectedEOF},
		{"truncated payload", append(header(10), 1, 2, 3), 64, io.ErrUnexpectedEOF},
		{"header only", header(5), 64, io.ErrUnexpectedEOF},
		{"nothing", nil, 64, io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readFrame(bytes.NewReader(tc.input), tc.max)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestReadFrameHugeClaimAllocatesNothing(t *testing.T) {
	input := header(0xFFFFFFFF)
	allocs := testing.AllocsPerRun(100, func() {
		_, err := readFrame(bytes.NewReader(input), 1<<20)
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("err %v", err)
		}
	})
	// The error value is allocated; a 4 GiB buffer is not. Anything above a
	// handful of small allocations means the claimed size was acted on.
	if allocs > 8 {
		t.Fatalf("%v allocations for a refused frame", allocs)
	}
}

func TestStreamHeader(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		want    Class
		wantErr error
	}{
		{"control", []byte{streamVersion, byte(ClassControl)}, ClassControl, nil},
		{"bulk", []byte{streamVersion, byte(ClassBulk)}, ClassBulk, nil},
		{"unknown class", []byte{streamVersion, 2}, 0, ErrBadStream},
		{"wrong version", []byte{2, 0}, 0, ErrBadStream},
		{"short", []byte{streamVersion}, 0, ErrBadStream},
		{"empty", nil, 0, ErrBadStream},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readStreamHeader(bytes.NewReader(tc.input))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Fatalf("class %v, want %v", got, tc.want)
			}
		})
	}
	var b bytes.Buffer
	if err := writeStreamHeader(&b, ClassBulk); err != nil {
		t.Fatal(err)
	}
	if c, err := readStreamHeader(&b); err != nil || c != ClassBulk {
		t.Fatalf("round trip: %v %v", c, err)
	}
}

// FuzzDecodeStream feeds arbitrary bytes to the stream decoder (header, then
// frames). It must never panic or return a frame over the limit, and every
// frame it returns must re-encode to exactly the bytes it consumed.
func FuzzDecodeStream(f *testing.F) {
	f.Add([]byte{streamVersion, 0})
	f.Add(append([]byte{streamVersion, 1}, frameBytes([]byte("hello"), nil, []byte{1, 2, 3})...))
	f.Add(append([]byte{streamVersion, 0}, header(0xFFFFFFFF)...))
	f.Add(append([]byte{streamVersion, 0}, header(300)...))
	f.Add(append([]byte{streamVersion, 0}, append(header(3), 1, 2)...))
	f.Add([]byte{9, 9, 0, 0, 0, 1, 0})
	const limit = 256
	f.Fuzz(func(t *testing.T, input []byte) {
		r := bytes.NewReader(input)
		if _, err := readStreamHeader(r); err != nil {
			if !errors.Is(err, ErrBadStream) {
				t.Fatalf("header error %v does not wrap ErrBadStream", err)
			}
			return
		}
		var reencoded bytes.Buffer
		reencoded.Write(input[:streamHeaderLen])
		for {
			data, err := readFrame(r, limit)
			if err != nil {
				if err != io.EOF && !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			if len(data) > limit {
				t.Fatalf("frame of %d bytes over limit %d", len(data), limit)
			}
			if err := writeFrame(&reencoded, data); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.HasPrefix(input, reencoded.Bytes()) {
			t.Fatalf("re-encoded frames are not a prefix of the input")
		}
	})
}
