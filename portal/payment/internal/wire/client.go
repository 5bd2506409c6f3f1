// Package wire holds what the payment providers' clients and local fakes
// share: one way to call a provider over HTTP and turn its answer into the
// payment package's errors (client.go), and the plain-HTML pages, money
// formatting, IDs and idempotency records of the fakes (fake.go).
//
// Invariants:
//   - A transport failure, a 5xx, an answer too large or one that is not
//     the provider's format is payment.ErrUnavailable; a 4xx is whatever
//     the provider's Refusal says, with the provider's own words kept.
//   - Nothing here holds state but Idempotency, which its owner locks.
package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/careerchain/careerchain/portal/payment"
)

// MaxBody is the largest answer a client reads from a provider.
const MaxBody = 1 << 20

// Error is a provider's refusal or failure: Kind is one of package
// payment's sentinels (errors.Is sees it), Code and Message are the
// provider's own.
type Error struct {
	Kind     error
	Provider string // "sandbox", "kakaopay", "card"
	Status   int    // HTTP status of the answer; 0 when there was none
	Code     string // the provider's error code, if it gave one
	Message  string // the provider's own words, or ours when it gave none
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %s", e.Kind, e.Provider)
	if e.Status != 0 {
		fmt.Fprintf(&b, " answered HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Kind }

// Fail builds an Error without an HTTP answer behind it (a check the
// client made on a good answer).
func Fail(kind error, provider, format string, args ...any) error {
	return &Error{Kind: kind, Provider: provider, Message: fmt.Sprintf(format, args...)}
}

// CodeOf is the provider's error code in err, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Refusal reads a non-2xx answer in the provider's error format: the
// sentinel it means (Kind), the provider's Code and Message; nil when body
// is not in that format. Do fills in Provider and Status.
type Refusal func(status int, body []byte) *Error

// Client calls one provider.
type Client struct {
	Provider string // the name errors carry
	HTTP     *http.Client
	Refusal  Refusal
}

// Do sends req and decodes a 2xx JSON answer into out.
func (c *Client) Do(req *http.Request, out any) error {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &Error{Kind: payment.ErrUnavailable, Provider: c.Provider, Message: "could not be reached: " + err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return &Error{Kind: payment.ErrUnavailable, Provider: c.Provider, Status: resp.StatusCode, Message: "the answer broke off: " + err.Error()}
	}
	if len(body) > MaxBody {
		return &Error{Kind: payment.ErrUnavailable, Provider: c.Provider, Status: resp.StatusCode, Message: "the answer is larger than 1 MiB"}
	}
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(body, out); err != nil {
			return &Error{Kind: payment.ErrUnavailable, Provider: c.Provider, Status: resp.StatusCode,
				Message: "the answer is not the provider's JSON (" + err.Error() + ")"}
		}
		return nil
	}
	e := c.Refusal(resp.StatusCode, body)
	if e == nil {
		return &Error{Kind: payment.ErrUnavailable, Provider: c.Provider, Status: resp.StatusCode,
			Message: "the answer is not in the provider's error format"}
	}
	if resp.StatusCode >= 500 {
		e.Kind = payment.ErrUnavailable
	}
	e.Provider, e.Status = c.Provider, resp.StatusCode
	return e
}

// JSONRequest is a request whose body is v as JSON.
func JSONRequest(ctx context.Context, method, url string, v any) (*http.Request, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// FormRequest is a request whose body is form, URL-encoded.
func FormRequest(ctx context.Context, method, url string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// WithQuery is raw with the pairs kv (name, value, name, value…) added to
// its query; what raw's query held stays.
func WithQuery(raw string, kv ...string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// CheckBase checks a provider's base URL from a config: absolute http(s),
// no query, no fragment. It returns it without a trailing slash.
func CheckBase(provider, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s: base URL %q is not an absolute http(s) URL without query", provider, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// CheckReturnURL checks an Order's ReturnURL: absolute http(s).
func CheckReturnURL(provider, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Fail(payment.ErrMismatch, provider, "the return URL %q is not an absolute http(s) URL", raw)
	}
	return nil
}
