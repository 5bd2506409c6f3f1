package portal

import (
	"net/http"
	"strings"
	"testing"
)

// TestMetricsByRoute: the portal's /metrics counts pages under their route
// patterns (an address is not a label) with the Go and process collectors.
func TestMetricsByRoute(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/")
	b.get("/a/" + goodAddr)
	b.get("/nothing/here")
	resp, body := b.get("/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`careerchain_portal_http_request_duration_seconds_count{code="200",method="GET",route="/"} 1`,
		`careerchain_portal_http_request_duration_seconds_count{code="200",method="GET",route="/a/{addr}"} 1`,
		`careerchain_portal_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"} 1`,
		"go_goroutines ", "process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, goodAddr) {
		t.Error("an address became a label")
	}
}
