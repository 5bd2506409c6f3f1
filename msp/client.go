package msp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client helpers: what a joining node and careerctl call.

// APIError is a refusal from the MSP, with its status and code.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("msp: %d %s: %s", e.Status, e.Code, e.Message) }

func call(ctx context.Context, hc *http.Client, req *http.Request, out any) error {
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error, Code string }
		_ = json.Unmarshal(b, &e)
		return &APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Error}
	}
	return json.Unmarshal(b, out)
}

// Join sends a join request to the MSP at base (e.g. http://127.0.0.1:7390).
func Join(ctx context.Context, hc *http.Client, base string, jr *JoinRequest) (JoinAnswer, error) {
	b, err := json.Marshal(jr)
	if err != nil {
		return JoinAnswer{}, err
	}
	req, err := http.NewRequest(http.MethodPost, apiURL(base, "/api/v1/join"), bytes.NewReader(b))
	if err != nil {
		return JoinAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	var a JoinAnswer
	return a, call(ctx, hc, req, &a)
}

// JoinState asks the MSP where node id's join stands.
func JoinState(ctx context.Context, hc *http.Client, base string, id uint64) (JoinAnswer, error) {
	req, err := http.NewRequest(http.MethodGet, apiURL(base, fmt.Sprintf("/api/v1/join/%d", id)), nil)
	if err != nil {
		return JoinAnswer{}, err
	}
	var a JoinAnswer
	return a, call(ctx, hc, req, &a)
}

// GetStatus reads the MSP's status.
func GetStatus(ctx context.Context, hc *http.Client, base string) (Status, error) {
	req, err := http.NewRequest(http.MethodGet, apiURL(base, "/api/v1/status"), nil)
	if err != nil {
		return Status{}, err
	}
	var s Status
	return s, call(ctx, hc, req, &s)
}

// Admin makes an operator-signed admin call: action is "leader", "remove"
// or "promote".
func Admin(ctx context.Context, hc *http.Client, base string, op ed25519.PrivateKey, action string, id uint64, now time.Time) (AdminAnswer, error) {
	body, err := json.Marshal(AdminRequest{ID: id})
	if err != nil {
		return AdminAnswer{}, err
	}
	req, err := http.NewRequest(http.MethodPost, apiURL(base, "/api/v1/admin/"+action), bytes.NewReader(body))
	if err != nil {
		return AdminAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	SignAdmin(req, op, body, now)
	var a AdminAnswer
	return a, call(ctx, hc, req, &a)
}
