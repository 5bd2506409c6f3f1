package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrBuild is returned when the plugin does not build.
var ErrBuild = errors.New("wasm: plugin build failed")

// Flags returns the flags plugins are built with: a WASI reactor, and no
// file paths or VCS stamps in the binary, so that the same source and Go
// version give the same SHA-256 on every machine.
func Flags() []string { return []string{"-buildmode=c-shared", "-trimpath", "-buildvcs=false"} }

// Build compiles the Go package main in dir for GOOS=wasip1 GOARCH=wasm
// into the file out and returns the module bytes.
func Build(ctx context.Context, dir, out string) ([]byte, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("%w: the go command is not on PATH: %v", ErrBuild, err)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBuild, err)
	}
	args := append([]string{"build"}, Flags()...)
	args = append(args, "-o", abs, ".")
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v\n%s", ErrBuild, dir, err, stderr.String())
	}
	return os.ReadFile(abs)
}
