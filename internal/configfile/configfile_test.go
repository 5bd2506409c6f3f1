package configfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.json")
	if err := os.WriteFile(p, []byte(`{"db":"x.db"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var v struct {
		DB string `json:"db"`
	}
	rel, err := Read(p, &v)
	if err != nil || rel(v.DB) != filepath.Join(dir, "x.db") || rel("/abs") != "/abs" || rel("") != "" {
		t.Fatalf("Read: %+v %v", v, err)
	}
	if err := os.WriteFile(p, []byte(`{"db":"x.db","other":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(p, &v); err == nil {
		t.Error("an unknown field was accepted")
	}
}
