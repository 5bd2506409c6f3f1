package msp

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// readyz polls the MSP's /readyz until its status is want.
func (c *cluster) readyz(t *testing.T, want int) client.Readiness {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(c.mspURL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		var rd client.Readiness
		err = json.NewDecoder(resp.Body).Decode(&rd)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == want {
			return rd
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %+v, want %d", resp.StatusCode, rd, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMSPReadyzAndMetrics: the MSP is ready once it has polled a quorum,
// not ready (with the reason) when two of four members are down, and its
// /metrics carries its request latency by route and the members it sees.
func TestMSPReadyzAndMetrics(t *testing.T) {
	c := newCluster(t, 4, nil)
	if rd := c.readyz(t, http.StatusOK); !rd.Ready || rd.Connected != 4 || rd.Quorum != 3 {
		t.Fatalf("ready body %+v", rd)
	}
	c.stopReplica(3)
	c.stopReplica(4)
	rd := c.readyz(t, http.StatusServiceUnavailable)
	if rd.Ready || !strings.Contains(strings.Join(rd.Reasons, "; "), "quorum unreachable: 2 of the 4 members answered, 3 needed") {
		t.Fatalf("not-ready body %+v", rd)
	}
	resp, err := http.Get(c.mspURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`careerchain_msp_http_request_duration_seconds_count{code="503",method="GET",route="/readyz"}`,
		"careerchain_msp_members_up 2\n", "careerchain_msp_members 4\n", "go_goroutines ", "process_cpu_seconds_total ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
