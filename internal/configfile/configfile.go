// Package configfile reads the JSON config files of Careerchain's daemons
// (a replica's, the MSP's) the one way: strictly, with paths in the file
// relative to the file's directory. Only cmd/ and the Load* functions it
// calls read files; the package holds no state.
package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Strict decodes b into v with no unknown fields and no trailing data.
func Strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// Read decodes the JSON config file at path into v strictly and returns a
// function that resolves a path written in the file against the file's
// directory (absolute and empty paths stay as they are). Errors name the
// file.
func Read(path string, v any) (rel func(string) string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := Strict(b, v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	return func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}, nil
}
