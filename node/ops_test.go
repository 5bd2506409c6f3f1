package node

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// TestMetricsHistogramsAndRoutes: after committed submissions a replica's
// /metrics holds the commit-latency and fsync histograms, the request
// latency under route patterns (a TxID in the path is not a label; a
// random path is "unmatched"), and the Go and process collectors.
func TestMetricsHistogramsAndRoutes(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	for k := range 3 {
		if r := c.submit(t, 0, c.careerTx(t, wallet(t, fmt.Sprintf("holder %d", k)), uint64(k))); r.Status != "accepted" {
			t.Fatalf("tx %d: %+v", k, r)
		}
	}
	get(t, c.url(0, "/api/v1/tx/"+strings.Repeat("ab", 32)), nil)
	get(t, c.url(0, "/no/such/path/1"), nil)
	get(t, c.url(0, "/no/such/path/2"), nil)
	m := scrape(t, c.url(0, "/metrics"))
	if m["careerchain_commit_latency_seconds_count"] != 3 {
		t.Errorf("commit latency count %v, want 3", m["careerchain_commit_latency_seconds_count"])
	}
	if m["careerchain_fsync_seconds_count"] < 1 {
		t.Errorf("fsync count %v", m["careerchain_fsync_seconds_count"])
	}
	if v := m[`careerchain_http_request_duration_seconds_count{code="200",method="POST",route="/api/v1/tx"}`]; v != 3 {
		t.Errorf("POST /api/v1/tx observed %v times, want 3", v)
	}
	if v := m[`careerchain_http_request_duration_seconds_count{code="404",method="GET",route="/api/v1/tx/{txid}"}`]; v != 1 {
		t.Errorf("GET /api/v1/tx/{txid} 404 observed %v times, want 1", v)
	}
	if v := m[`careerchain_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"}`]; v != 2 {
		t.Errorf("unmatched paths observed %v times, want 2", v)
	}
	for name := range m {
		if strings.Contains(name, "/no/such") || strings.Contains(name, "abab") {
			t.Errorf("a request path became a label: %s", name)
		}
	}
	for _, want := range []string{"go_goroutines", "process_resident_memory_bytes", "careerchain_height", "careerchain_peers_connected"} {
		if _, ok := m[want]; !ok {
			t.Errorf("no %s", want)
		}
	}
	if m["careerchain_peers_connected"] != 3 {
		t.Errorf("peers connected %v, want 3", m["careerchain_peers_connected"])
	}
}

// TestReadyz: every replica of a healthy cluster is ready; with two of
// four stopped, a survivor is alive (/healthz 200) but not ready, and the
// body says the quorum is unreachable; once they are back it is ready.
func TestReadyz(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	for i := range 4 {
		var rd client.Readiness
		if code := get(t, c.url(i, "/readyz"), &rd); code != http.StatusOK || !rd.Ready || rd.Connected != 4 || rd.Quorum != 3 {
			t.Fatalf("replica %d: %d %+v", i+1, code, rd)
		}
	}
	c.stop(2)
	c.stop(3)
	var rd client.Readiness
	deadline := time.Now().Add(10 * time.Second)
	for {
		rd = client.Readiness{}
		code := get(t, c.url(0, "/readyz"), &rd)
		if code == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d %+v with two of four stopped", code, rd)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rd.Ready || rd.Connected != 2 || len(rd.Reasons) == 0 || !strings.Contains(strings.Join(rd.Reasons, "; "), "quorum unreachable: 2 of the 4 members") {
		t.Fatalf("not-ready body %+v", rd)
	}
	if code := get(t, c.url(0, "/healthz"), nil); code != http.StatusOK {
		t.Fatalf("/healthz %d while alive", code)
	}
	c.start(2)
	c.start(3)
	deadline = time.Now().Add(20 * time.Second)
	for {
		rd = client.Readiness{}
		if get(t, c.url(0, "/readyz"), &rd) == http.StatusOK && rd.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready again: %+v", rd)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
