package quicnet

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Wire format. Each side opens one unidirectional QUIC stream per class. A
// stream starts with a two-byte header, [streamVersion, class], followed by
// frames. A frame is a 4-byte big-endian payload length followed by the
// payload. Frames carry no sender ID: the sender is the authenticated peer.
const (
	streamVersion   = 1
	streamHeaderLen = 2
	frameHeaderLen  = 4
	// maxFrameLimit is the largest MaxFrame a config may set: the length
	// prefix is 32 bits, and a gigabyte is already far beyond any block.
	maxFrameLimit = 1 << 30
)

// writeStreamHeader writes the header that opens a stream of the class.
func writeStreamHeader(w io.Writer, c Class) error {
	_, err := w.Write([]byte{streamVersion, byte(c)})
	return err
}

// readStreamHeader reads and checks a stream header.
func readStreamHeader(r io.Reader) (Class, error) {
	var h [streamHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadStream, err)
	}
	if h[0] != streamVersion {
		return 0, fmt.Errorf("%w: version %d, want %d", ErrBadStream, h[0], streamVersion)
	}
	c := Class(h[1])
	if c >= numClasses {
		return 0, fmt.Errorf("%w: class %d", ErrBadStream, h[1])
	}
	return c, nil
}

// writeFrame writes one length-prefixed frame. The caller checks the size
// against its own maximum; writeFrame only refuses what the prefix cannot
// express.
func writeFrame(w io.Writer, data []byte) error {
	if len(data) > maxFrameLimit {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, len(data))
	}
	var h [frameHeaderLen]byte
	binary.BigEndian.PutUint32(h[:], uint32(len(data)))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// readFrame reads one frame of at most maxFrame bytes. The length is checked
// before any buffer is allocated. It returns io.EOF only when the stream ends
// cleanly between frames; a stream that ends inside a frame gives
// io.ErrUnexpectedEOF.
func readFrame(r io.Reader, maxFrame int) ([]byte, error) {
	var h [frameHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:])
	if uint64(n) > uint64(maxFrame) {
		return nil, &frameSizeError{size: uint64(n), limit: maxFrame}
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return data, nil
}

// frameSizeError is a frame whose length prefix exceeds the limit; it is
// ErrFrameTooLarge.
type frameSizeError struct {
	size  uint64
	limit int
}

func (e *frameSizeError) Error() string {
	return fmt.Sprintf("%v: %d bytes, limit %d", ErrFrameTooLarge, e.size, e.limit)
}

func (e *frameSizeError) Unwrap() error { return ErrFrameTooLarge }
