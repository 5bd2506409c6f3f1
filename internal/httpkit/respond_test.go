package httpkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/client"
)

func respond(t *testing.T, rs Responder, err error) (*httptest.ResponseRecorder, client.ErrorBody) {
	t.Helper()
	w := httptest.NewRecorder()
	rs.Handle(func(http.ResponseWriter, *http.Request) error { return err })(w, httptest.NewRequest("GET", "/x", nil))
	var eb client.ErrorBody
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil {
			t.Fatalf("body %q: %v", w.Body, err)
		}
	}
	return w, eb
}

// An unknown error is a 500 whose body leaks nothing; the detail is logged.
func TestUnknownErrorLeaksNothing(t *testing.T) {
	var logs bytes.Buffer
	rs := Responder{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	w, eb := respond(t, rs, fmt.Errorf("open /var/secret/ledger.db: permission denied"))
	if w.Code != 500 || eb.Code != client.CodeInternal || eb.Error != "internal error" || strings.Contains(w.Body.String(), "secret") {
		t.Errorf("answer %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "/var/secret/ledger.db") {
		t.Errorf("the detail was not logged: %q", logs.String())
	}
}

// A message for the caller is kept apart from the logged detail.
func TestPublicMessageApartFromDetail(t *testing.T) {
	var logs bytes.Buffer
	rs := Responder{Log: slog.New(slog.NewTextHandler(&logs, nil)), LogRefusals: true}
	err := &Error{Code: client.CodeDamaged, Msg: "read from another replica", Err: errors.New("page 4711 checksum mismatch")}
	w, eb := respond(t, rs, err)
	if w.Code != 500 || eb.Code != client.CodeDamaged || eb.Error != "read from another replica" {
		t.Errorf("answer %d %+v", w.Code, eb)
	}
	if !strings.Contains(logs.String(), "page 4711") {
		t.Errorf("the detail was not logged: %q", logs.String())
	}
}

func TestRefusalShowsItsReason(t *testing.T) {
	notFound := Sentinel(client.CodeNotFound, "x: not found")
	w, eb := respond(t, Responder{}, fmt.Errorf("%w: no block at height 9", notFound))
	if w.Code != 404 || eb.Code != client.CodeNotFound || eb.Error != "x: not found: no block at height 9" {
		t.Errorf("answer %d %+v", w.Code, eb)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// A client that went away gets nothing written.
func TestClientGoneWritesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
	Responder{}.Handle(func(http.ResponseWriter, *http.Request) error { return ctx.Err() })(w, r)
	if w.Body.Len() != 0 {
		t.Errorf("wrote %q", w.Body)
	}
}
