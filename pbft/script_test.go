package pbft

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected traces in testdata/*.txt")

// A protocol script is a sequence of commands, each followed by "----" and
// the exact trace it must produce, ended by a blank line. Commands:
//
//	init n=4 [k=4 w=16 batch=8 inflight=3 timeout=10]
//	propose NODE REQ...         client requests at NODE
//	config NODE ADD=ID | DEL=ID reconfiguration proposed at NODE
//	deliver [NODE...]           deliver in-flight messages FIFO until quiet
//	                            (only those to the listed nodes, if any)
//	drop [FROM [TO]]            discard in-flight messages (from/to filters)
//	tick NODE|all COUNT         advance logical time
//	crash NODE / restart NODE   stop a replica / restart it from its storage
//	primary NODE                leader swap to NODE (every replica asks)
//	status                      one line per replica
//
// Trace lines: "F->T type v= s= d=" for messages at delivery, "N commit s= d= txs=",
// "N event KIND v= s=".
type script struct {
	t   *testing.T
	s   *sim
	out *strings.Builder
}

func (sc *script) run(cmd string, args []string) {
	switch cmd {
	case "init":
		cfg := Config{CheckpointInterval: 4, WindowSize: 16, MaxBatch: 8, MaxInFlight: 3, RequestTimeout: 10}
		n := 4
		for _, a := range args {
			k, v, _ := strings.Cut(a, "=")
			x, _ := strconv.Atoi(v)
			switch k {
			case "n":
				n = x
			case "k":
				cfg.CheckpointInterval = uint64(x)
			case "w":
				cfg.WindowSize = uint64(x)
			case "batch":
				cfg.MaxBatch = x
			case "inflight":
				cfg.MaxInFlight = x
			case "timeout":
				cfg.RequestTimeout = x
			}
		}
		sc.s = newSim(sc.t, 1, n, cfg)
		sc.s.trace = sc.out
	case "propose":
		nd := sc.node(args[0])
		for _, r := range args[1:] {
			if err := nd.core.Propose([]byte(r)); err != nil {
				fmt.Fprintf(sc.out, "error: %v\n", err)
			}
		}
		sc.s.handle(nd)
	case "config":
		nd := sc.node(args[0])
		m := nd.core.m.Clone()
		m.Epoch++
		k, v, _ := strings.Cut(args[1], "=")
		id, _ := strconv.ParseUint(v, 10, 64)
		if k == "add" {
			m.Members = append(m.Members, Member{ID: id, SignKey: macKey(id), NetKey: voteKey(id)})
			if _, ok := sc.s.nodes[id]; !ok {
				sc.s.addNode(id)
			}
		} else {
			var keep []Member
			for _, mb := range m.Members {
				if mb.ID != id {
					keep = append(keep, mb)
				}
			}
			m.Members = keep
		}
		if err := nd.core.ProposeConfig(m, [][]byte{[]byte("config:" + args[1])}); err != nil {
			fmt.Fprintf(sc.out, "error: %v\n", err)
		}
		sc.s.handle(nd)
	case "deliver":
		only := map[uint64]bool{}
		for _, a := range args {
			only[sc.node(a).id] = true
		}
		sc.s.deliverFIFO(only)
	case "drop":
		var keep []flight
		for _, f := range sc.s.net {
			from := len(args) > 0 && strconv.FormatUint(f.m.From, 10) == args[0]
			to := len(args) < 2 || strconv.FormatUint(f.to, 10) == args[1]
			if !(len(args) == 0 || (from && to)) {
				keep = append(keep, f)
			}
		}
		fmt.Fprintf(sc.out, "dropped %d\n", len(sc.s.net)-len(keep))
		sc.s.net = keep
	case "tick":
		count, _ := strconv.Atoi(args[1])
		for range count {
			sc.s.now++
			for _, nd := range sc.s.live() {
				if args[0] == "all" || strconv.FormatUint(nd.id, 10) == args[0] {
					nd.core.Tick(1_700_000_000_000 + sc.s.now)
					sc.s.handle(nd)
				}
			}
		}
	case "crash":
		sc.s.crash(sc.node(args[0]).id)
	case "restart":
		id, _ := strconv.ParseUint(args[0], 10, 64)
		sc.s.restart(id)
		sc.s.handle(sc.s.nodes[id])
	case "primary":
		id, _ := strconv.ParseUint(args[0], 10, 64)
		for _, nd := range sc.s.live() {
			nd.core.RequestPrimary(id, nd.core.view)
			sc.s.handle(nd)
		}
	case "status":
		for _, id := range sc.s.ids {
			nd := sc.s.nodes[id]
			if nd.down {
				fmt.Fprintf(sc.out, "%d down height=%d\n", id, len(nd.ledger))
				continue
			}
			st := nd.core.Status()
			fmt.Fprintf(sc.out, "%d view=%d primary=%d vc=%v height=%d stable=%d members=%d\n", id, st.View, st.Primary, st.InViewChange, len(nd.ledger), st.StableSeq, st.Membership.N())
		}
	default:
		sc.t.Fatalf("unknown command %q", cmd)
	}
}

func (sc *script) node(s string) *simNode {
	id, err := strconv.ParseUint(s, 10, 64)
	nd, ok := sc.s.nodes[id]
	if err != nil || !ok || nd.down {
		sc.t.Fatalf("no live node %q", s)
	}
	return nd
}

// deliverFIFO delivers in-flight messages in order until none is left
// (restricted to the given destinations when only is not empty).
func (s *sim) deliverFIFO(only map[uint64]bool) {
	for guard := 0; guard < 100000; guard++ {
		idx := -1
		for i, f := range s.net {
			if len(only) == 0 || only[f.to] {
				idx = i
				break
			}
		}
		if idx < 0 {
			return
		}
		f := s.net[idx]
		s.net = append(s.net[:idx], s.net[idx+1:]...)
		to := s.nodes[f.to]
		if to == nil || to.down || !s.connected(f.m.From, f.to) {
			continue
		}
		if s.trace != nil {
			fmt.Fprintf(s.trace, "%d->%d %s\n", f.m.From, f.to, traceMsg(&f.m))
		}
		if err := to.core.Step(f.m); err != nil && s.trace != nil {
			fmt.Fprintf(s.trace, "%d rejects: %v\n", f.to, err)
		}
		s.handle(to)
	}
}

func traceMsg(m *Message) string {
	switch m.Type {
	case MsgRequest:
		return fmt.Sprintf("request v=%d n=%d", m.View, len(m.Requests))
	case MsgPrePrepare:
		return fmt.Sprintf("pre-prepare v=%d s=%d d=%s txs=%d", m.View, m.Seq, m.Digest.Short(), len(m.Block.Txs))
	case MsgViewChange:
		return fmt.Sprintf("view-change v=%d stable=%d P=%d", m.View, m.VC.StableSeq, len(m.VC.Prepared))
	case MsgNewView:
		return fmt.Sprintf("new-view v=%d V=%d O=%d", m.View, len(m.NV.ViewChanges), len(m.NV.PrePrepares))
	case MsgCheckpoint:
		return fmt.Sprintf("checkpoint s=%d d=%s", m.Seq, m.Digest.Short())
	case MsgFetchBlock:
		return fmt.Sprintf("fetch-block s=%d d=%s", m.Seq, m.Digest.Short())
	case MsgBlock:
		return fmt.Sprintf("block s=%d d=%s txs=%d", m.Seq, m.Digest.Short(), len(m.Block.Txs))
	}
	return fmt.Sprintf("%s v=%d s=%d d=%s", m.Type, m.View, m.Seq, m.Digest.Short())
}

func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts in testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runScript(t, file) })
	}
}

func runScript(t *testing.T, file string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rewritten strings.Builder
	sc := &script{t: t}
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	lineNo := 0
	next := func() (string, bool) {
		ok := lines.Scan()
		lineNo++
		return lines.Text(), ok
	}
	for {
		line, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			rewritten.WriteString(line + "\n")
			continue
		}
		cmdLine, start := line, lineNo
		rewritten.WriteString(cmdLine + "\n")
		if l, _ := next(); l != "----" {
			t.Fatalf("%s:%d: expected ---- after the command", file, lineNo)
		}
		var want strings.Builder
		for {
			l, ok := next()
			if !ok || l == "" {
				break
			}
			want.WriteString(l + "\n")
		}
		out := &strings.Builder{}
		sc.out = out
		if sc.s != nil {
			sc.s.trace = out
		}
		fields := strings.Fields(cmdLine)
		sc.run(fields[0], fields[1:])
		got := out.String()
		if got == "" {
			got = "ok\n"
		}
		rewritten.WriteString("----\n" + got + "\n")
		if !*rewrite && got != want.String() {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", file, start, cmdLine, got, want.String())
		}
	}
	if *rewrite {
		if err := os.WriteFile(file, []byte(strings.TrimRight(rewritten.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
