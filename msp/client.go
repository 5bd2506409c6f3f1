package msp

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// Client helpers: what a joining node and careerctl call. Each is a thin
// call of sdk/client's Client (which new code should use directly); a
// refusal is a *client.Error with the status, code and message.

func mspClient(hc *http.Client, base string, now func() time.Time) (*client.Client, error) {
	// The caller's context bounds the call: an admin call may wait for a
	// membership change to commit.
	return client.New(base, client.Options{HTTPClient: hc, Timeout: -1, Now: now})
}

// Join sends a join request to the MSP at base (e.g. http://127.0.0.1:7390).
func Join(ctx context.Context, hc *http.Client, base string, jr *client.JoinRequest) (client.JoinAnswer, error) {
	c, err := mspClient(hc, base, nil)
	if err != nil {
		return client.JoinAnswer{}, err
	}
	a, err := c.Join(ctx, jr)
	if err != nil {
		return client.JoinAnswer{}, err
	}
	return *a, nil
}

// JoinState asks the MSP where node id's join stands.
func JoinState(ctx context.Context, hc *http.Client, base string, id uint64) (client.JoinAnswer, error) {
	c, err := mspClient(hc, base, nil)
	if err != nil {
		return client.JoinAnswer{}, err
	}
	a, err := c.JoinState(ctx, id)
	if err != nil {
		return client.JoinAnswer{}, err
	}
	return *a, nil
}

// GetStatus reads the MSP's status.
func GetStatus(ctx context.Context, hc *http.Client, base string) (client.MSPStatus, error) {
	c, err := mspClient(hc, base, nil)
	if err != nil {
		return client.MSPStatus{}, err
	}
	s, err := c.MSPStatus(ctx)
	if err != nil {
		return client.MSPStatus{}, err
	}
	return *s, nil
}

// Admin makes an operator-signed admin call: action is "leader", "remove"
// or "promote".
func Admin(ctx context.Context, hc *http.Client, base string, op ed25519.PrivateKey, action string, id uint64, now time.Time) (client.AdminAnswer, error) {
	c, err := mspClient(hc, base, func() time.Time { return now })
	if err != nil {
		return client.AdminAnswer{}, err
	}
	a, err := c.Admin(ctx, op, action, id)
	if err != nil {
		return client.AdminAnswer{}, err
	}
	return *a, nil
}
