package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"strings"
	"time"

	"github.com/careerchain/careerchain/internal/bench"
)

// benchResult is the JSON file `careerd bench --out` writes.
type benchResult struct {
	Started    time.Time  `json:"started"`
	Mode       string     `json:"mode"` // "processes" (started here) or "targets"
	Replicas   int        `json:"replicas"`
	CPUs       int        `json:"cpus"`
	DurationS  float64    `json:"duration_per_point_s"`
	Runs       []benchRun `json:"runs"`
	Definition string     `json:"definition"`
}

// benchRun is one network: plugins on or off, its ceiling and points.
type benchRun struct {
	Plugins       bool           `json:"plugins"`
	CeilingBefore bench.Ceiling  `json:"ceiling_before"`
	CeilingAfter  bench.Ceiling  `json:"ceiling_after"`
	CeilingTxPerS float64        `json:"ceiling_tx_per_s"` // mean of before and after
	Points        []*bench.Point `json:"points"`
}

const benchDefinition = "committed_tx_per_s: transactions answered 200 by POST /api/v1/tx?wait=1 per second of the point; " +
	"latency: from the request to its answer; cpu_us_per_tx: the replica processes' CPU (/proc/PID/stat) per committed tx; " +
	"ceiling: the decoding and stateless checks of each tx once per replica on all cores of this process, measured before the first point and after the last; " +
	"of_ceiling: committed tx/s over the ceiling's tx/s; cpu_of_ceiling: the ceiling's CPU per tx over the replicas'"

var sweepClients = []int{1, 4, 16, 64, 256, 1024}

func runBench(ctx context.Context, args []string, exe string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	replicas := fs.Int("replicas", 4, "replicas to start (4, 7 or 10 give f = 1, 2, 3)")
	clients := fs.Int("clients", 64, "concurrent closed-loop clients (without --sweep)")
	sweep := fs.Bool("sweep", false, "measure at 1, 4, 16, 64, 256 and 1024 clients and draw --svg")
	duration := fs.Duration("duration", 10*time.Second, "load time per point")
	plugins := fs.String("plugins", "both", "Wasm plugins: on, off or both (two networks)")
	pluginDir := fs.String("plugin-dir", "plugins/build", "built Wasm plugins (make plugins), for --plugins on")
	txs := fs.Int("txs", 4000, "transactions made ahead per point (at least 4 per client); a point ends early if they run out")
	dir := fs.String("data", "", "testnet directory: with --targets, the one the running replicas were made from (keys, genesis); otherwise a new one (default: a temporary directory, removed afterwards)")
	targets := fs.String("targets", "", "comma-separated API URLs of running replicas to drive instead of starting processes")
	basePort := fs.Int("base-port", 7600, "replica i listens on base+i (QUIC) and base+100+i (API)")
	out := fs.String("out", "bench.json", "JSON result file")
	svg := fs.String("svg", "bench.svg", "SVG plot file (with --sweep)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var modes []bool
	switch *plugins {
	case "on":
		modes = []bool{true}
	case "off":
		modes = []bool{false}
	case "both":
		modes = []bool{false, true}
	default:
		return fmt.Errorf("--plugins %q: want on, off or both", *plugins)
	}
	if *replicas < 1 || *replicas > 100 {
		return fmt.Errorf("--replicas %d: want 1..100", *replicas)
	}
	loads := []int{*clients}
	if *sweep {
		loads = sweepClients
	}
	if *clients < 1 {
		return fmt.Errorf("--clients %d: want at least 1", *clients)
	}
	var urls []string
	if *targets != "" {
		if *dir == "" {
			return errors.New("--targets needs --data: the testnet directory holding the keys and genesis of the running replicas")
		}
		if len(modes) > 1 {
			modes = modes[:1] // the running network has plugins or not; it is measured once
		}
		for _, u := range strings.Split(*targets, ",") {
			urls = append(urls, strings.TrimRight(strings.TrimSpace(u), "/"))
		}
	} else if len(modes) > 0 && modes[len(modes)-1] {
		if m, _ := filepath.Glob(filepath.Join(*pluginDir, "*.wasm")); len(m) == 0 {
			return fmt.Errorf("--plugins %s: no built plugins in %s (run make plugins, or --plugins off)", *plugins, *pluginDir)
		}
	}
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "careerd-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	prog := newProgress(stderr)
	res := benchResult{Started: time.Now().UTC(), Mode: "processes", Replicas: *replicas, CPUs: runtime.NumCPU(), DurationS: duration.Seconds(), Definition: benchDefinition}
	if urls != nil {
		res.Mode, res.Replicas = "targets", len(urls)
	}
	for ri, withPlugins := range modes {
		var nw *bench.Network
		var err error
		if urls != nil {
			nw, err = bench.Open(root, urls)
		} else {
			o := bench.LaunchOptions{Exe: exe, Dir: filepath.Join(root, fmt.Sprintf("net%d", ri)), Replicas: *replicas, BasePort: *basePort}
			if withPlugins {
				o.PluginDir = *pluginDir
			}
			prog.line(fmt.Sprintf("starting %d replicas (plugins %s)", *replicas, onOff(withPlugins)))
			nw, err = bench.Launch(ctx, o)
		}
		if err != nil {
			return err
		}
		run, err := benchNetwork(ctx, nw, withPlugins, loads, *duration, *txs, fmt.Sprintf("r%d-%d", ri, res.Started.UnixNano()), prog)
		if serr := nw.Stop(); err == nil {
			err = serr
		}
		if err != nil {
			return err
		}
		if after, err := bench.MeasureCeiling(run.ceilSample, nw.Params, len(nw.URLs)); err == nil {
			run.CeilingAfter = after
		} else {
			return err
		}
		run.finish()
		res.Runs = append(res.Runs, run.benchRun)
		for _, p := range run.Points {
			cpu := "CPU n/a (targets)"
			if p.CPUPerTxUs > 0 {
				cpu = fmt.Sprintf("%6.0f µs CPU/tx", p.CPUPerTxUs)
			}
			fmt.Fprintf(stdout, "plugins %-3s %5d clients  %7.1f tx/s  p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  %s  %.2f of ceiling  view changes %d  refusals %d\n",
				onOff(withPlugins), p.Clients, p.TxPerSec, p.P50ms, p.P95ms, p.P99ms, cpu, p.OfCeiling, p.ViewChanges, refusals(p))
		}
		fmt.Fprintf(stdout, "plugins %-3s ceiling %.0f tx/s (before %.0f, after %.0f)\n", onOff(withPlugins), run.CeilingTxPerS, run.CeilingBefore.TxPerSec, run.CeilingAfter.TxPerSec)
	}
	prog.done()
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	if *sweep {
		var series []bench.Series
		for _, r := range res.Runs {
			series = append(series, bench.Series{Label: "plugins " + onOff(r.Plugins), Points: r.Points})
		}
		title := fmt.Sprintf("careerd bench: %d replica processes, QUIC on loopback, fsync on", res.Replicas)
		if err := os.WriteFile(*svg, bench.PlotSVG(title, series), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *svg)
	}
	return nil
}

// measuredRun is a benchRun being measured, with the ceiling's sample.
type measuredRun struct {
	benchRun
	ceilSample [][]byte
}

// ceilingSample bounds the ceiling measurement to a couple of seconds.
const ceilingSample = 1000

func benchNetwork(ctx context.Context, nw *bench.Network, plugins bool, loads []int, d time.Duration, perPoint int, prefix string, prog *progress) (*measuredRun, error) {
	run := &measuredRun{benchRun: benchRun{Plugins: plugins}}
	for i, k := range loads {
		prog.line(fmt.Sprintf("plugins %s, %d clients: making transactions", onOff(plugins), k))
		n := max(perPoint, 4*k)
		if i == 0 {
			n += len(nw.URLs) // the warm-up's
		}
		txs, err := nw.Keys.MakeTxs(ctx, fmt.Sprintf("%s-%d", prefix, i), n)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			run.ceilSample = txs[:min(len(txs), ceilingSample)]
			prog.line("measuring the ceiling (the stateless checks)")
			if run.CeilingBefore, err = bench.MeasureCeiling(run.ceilSample, nw.Params, len(nw.URLs)); err != nil {
				return nil, err
			}
			prog.line("warming up (one transaction per replica)")
			if err := nw.Warm(ctx, txs[len(txs)-len(nw.URLs):]); err != nil {
				return nil, err
			}
			txs = txs[:len(txs)-len(nw.URLs)]
		}
		label := "plugins " + onOff(plugins) + ", "
		p, err := nw.Run(ctx, bench.NewPool(txs), bench.RunOptions{Clients: k, Duration: d, Progress: func(s string) { prog.line(label + s) }})
		if err != nil {
			return nil, err
		}
		run.Points = append(run.Points, p)
		prog.point(fmt.Sprintf("%s%d clients: %.1f tx/s, p50 %.1f ms, p99 %.1f ms", label, k, p.TxPerSec, p.P50ms, p.P99ms))
	}
	return run, nil
}

// finish fills the ceiling-relative figures.
func (r *measuredRun) finish() {
	r.CeilingTxPerS = (r.CeilingBefore.TxPerSec + r.CeilingAfter.TxPerSec) / 2
	ceilCPU := (r.CeilingBefore.CPUPerTx + r.CeilingAfter.CPUPerTx) / 2
	for _, p := range r.Points {
		if r.CeilingTxPerS > 0 {
			p.OfCeiling = p.TxPerSec / r.CeilingTxPerS
		}
		if p.CPUPerTxUs > 0 {
			p.CPUOfCeil = ceilCPU / p.CPUPerTxUs
		}
	}
}

func refusals(p *bench.Point) int {
	n := 0
	for _, v := range p.Refusals {
		n += v
	}
	return n
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// progress is the one-line display on stderr: rewritten in place on a
// terminal; elsewhere only the points' summaries, one line each.
type progress struct {
	w   io.Writer
	tty bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) line(s string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", s)
	}
}

func (p *progress) point(s string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s\n", s)
		return
	}
	fmt.Fprintln(p.w, s)
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// benchExe is the careerd binary the benchmark starts replicas from.
func benchExe() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the careerd binary: %w", err)
	}
	return exe, nil
}

func runBenchCommand(ctx context.Context, args []string) error {
	exe, err := benchExe()
	if err != nil {
		return err
	}
	return runBench(ctx, args, exe, os.Stdout, os.Stderr)
}
