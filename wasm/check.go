package wasm

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// wasiModule is the only module plugins may import from.
const wasiModule = "wasi_snapshot_preview1"

// allowedImports is the WASI subset a plugin may import: what a Go (or
// TinyGo, Rust) reactor's runtime needs to start and run. The host gives
// these no arguments, no environment, no preopened directories, discarded
// stdout/stderr, wazero's fake clock and its deterministic random source,
// so each behaves the same on every replica: fd_read and fd_write can only
// reach the empty stdin and the discarded stdout/stderr, since no file can
// be opened. Filesystem functions (path_*, fd_readdir, fd_filestat_*, ...)
// and sockets (sock_*) are not here: a module importing them is refused at
// load.
var allowedImports = []string{
	"args_get", "args_sizes_get",
	"environ_get", "environ_sizes_get",
	"clock_res_get", "clock_time_get",
	"fd_close", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_get", "fd_prestat_dir_name", "fd_read", "fd_write",
	"poll_oneoff", "proc_exit", "random_get", "sched_yield",
}

// hostImports are the functions of module HostModule a plugin may import,
// with their signatures.
var hostImports = map[string]struct{ params, results []api.ValueType }{
	HostEd25519Verify: {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
}

var errMarker = errors.New("no ABI v1 marker export " + ExportMarker + "; build the plugin with sdk/plugin (see docs/PLUGINS.md)")

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// checkModule verifies that compiled speaks ABI v1 and imports nothing but
// allowedImports and hostImports. Memory limits are enforced by the runtime at compile time.
func checkModule(compiled wazero.CompiledModule) error {
	var problems []string
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod == HostModule {
			want, ok := hostImports[name]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("forbidden import %s.%s (the host offers only %s.%s)", mod, name, HostModule, HostEd25519Verify))
			case !slices.Equal(f.ParamTypes(), want.params) || !slices.Equal(f.ResultTypes(), want.results):
				problems = append(problems, fmt.Sprintf("import %s.%s has signature %s, want %s", mod, name,
					signature(f.ParamTypes(), f.ResultTypes()), signature(want.params, want.results)))
			}
			continue
		}
		if mod != wasiModule || !slices.Contains(allowedImports, name) {
			problems = append(problems, fmt.Sprintf("forbidden import %s.%s (plugins may import only the %s functions %s and %s.%s)",
				mod, name, wasiModule, strings.Join(allowedImports, ", "), HostModule, HostEd25519Verify))
		}
	}
	for _, m := range compiled.ImportedMemories() {
		mod, name, _ := m.Import()
		problems = append(problems, fmt.Sprintf("forbidden memory import %s.%s (a plugin must define its own memory)", mod, name))
	}
	exports := compiled.ExportedFunctions()
	if _, ok := exports[ExportMarker]; !ok {
		problems = append(problems, errMarker.Error())
	} else {
		for _, want := range []struct {
			name            string
			params, results []api.ValueType
		}{
			{ExportAlloc, []api.ValueType{i32}, []api.ValueType{i32}},
			{ExportFree, []api.ValueType{i32}, nil},
			{ExportEvaluate, []api.ValueType{i32, i32}, []api.ValueType{i64}},
		} {
			def, ok := exports[want.name]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("missing export %s", want.name))
			case !slices.Equal(def.ParamTypes(), want.params) || !slices.Equal(def.ResultTypes(), want.results):
				problems = append(problems, fmt.Sprintf("export %s has signature %s, want %s",
					want.name, signature(def.ParamTypes(), def.ResultTypes()), signature(want.params, want.results)))
			}
		}
		if _, ok := compiled.ExportedMemories()[ExportMemory]; !ok {
			problems = append(problems, "missing export memory")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func signature(params, results []api.ValueType) string {
	name := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return strings.Join(s, ",")
	}
	return "(" + name(params) + ")->(" + name(results) + ")"
}
