package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPortalConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "portal.json")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("CAREERCHAIN_OIDC_CLIENT_SECRET", "from-env")
	c, err := loadPortalConfig(write(`{"chain":{"msp":"http://msp:7390"},"oidc":{"issuer":"https://accounts.google.com","client_id":"id"}}`))
	if err != nil || c.OIDC.ClientSecret != "from-env" || c.Listen != "127.0.0.1:7300" || c.PublicURL != "http://127.0.0.1:7300" {
		t.Fatalf("config: %+v %v", c, err)
	}
	for body, want := range map[string]string{
		`{"oidc":{"issuer":"https://accounts.google.com","client_id":"id"}}`:   "chain.replicas or chain.msp",
		`{"chain":{"replicas":["http://r1"]},"oidc":{"client_id":"id"}}`:       "oidc.issuer",
		`{"chain":{"msp":"x"},"oidc":{"issuer":"i","client_id":"c"},"typo":1}`: "unknown field",
	} {
		if _, err := loadPortalConfig(write(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
