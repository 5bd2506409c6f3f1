package httpkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/careerchain/careerchain/sdk/client"
)

// WriteJSON writes v as a JSON answer with the given status. v is encoded
// before anything is written, so a value that cannot be encoded becomes a
// whole 500, never half an answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"`+internalMsg+`","code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// DecodeJSON decodes b into v strictly: no unknown fields, no trailing
// data. A failure is code malformed_json (400), with the decoder's reason.
func DecodeJSON(b []byte, v any) error {
	if err := Strict(b, v); err != nil {
		return Errorf(client.CodeMalformedJSON, "the body is not the expected JSON document: %w", err)
	}
	return nil
}

// Strict decodes b into v with no unknown fields and no trailing data.
func Strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}
