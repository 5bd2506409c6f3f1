package chaos

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// netns is one namespace per replica, each with a veth pair whose outer
// end is on a bridge in the root namespace (which also holds the bridge's
// address, so this process reaches every replica's API).
type netns struct {
	prefix string
	bridge string
	ns     []string // namespace of replica i
	outer  []string // outer veth of replica i (root namespace)
	ips    []string // replica i's address
	subnet string
}

// NetnsAvailable reports whether replicas can run in network namespaces
// here: root, and `ip` able to create one. The reason says why not.
func NetnsAvailable() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "not running as root"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false, "no `ip` command (iproute2)"
	}
	name := fmt.Sprintf("ccprobe%d", os.Getpid()%100000)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return false, "ip netns add failed: " + strings.TrimSpace(string(out))
	}
	exec.Command("ip", "netns", "del", name).Run()
	return true, ""
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func newNetns(n int) (*netns, error) {
	id := os.Getpid() % 10000
	x := 16 + os.Getpid()%200 // 10.231.x.0/24, per process
	nt := &netns{prefix: fmt.Sprintf("cc%d", id), bridge: fmt.Sprintf("cc%dbr", id), subnet: fmt.Sprintf("10.231.%d", x)}
	ok := false
	defer func() {
		if !ok {
			nt.close()
		}
	}()
	if err := run("ip", "link", "add", nt.bridge, "type", "bridge"); err != nil {
		return nil, err
	}
	if err := run("ip", "addr", "add", nt.subnet+".1/24", "dev", nt.bridge); err != nil {
		return nil, err
	}
	if err := run("ip", "link", "set", nt.bridge, "up"); err != nil {
		return nil, err
	}
	for i := range n {
		ns, outer, inner, ip := fmt.Sprintf("%s-%d", nt.prefix, i+1), fmt.Sprintf("%so%d", nt.prefix, i+1), fmt.Sprintf("%si%d", nt.prefix, i+1), fmt.Sprintf("%s.%d", nt.subnet, 10+i+1)
		nt.ns, nt.outer, nt.ips = append(nt.ns, ns), append(nt.outer, outer), append(nt.ips, ip)
		for _, cmd := range [][]string{
			{"ip", "netns", "add", ns},
			{"ip", "link", "add", outer, "type", "veth", "peer", "name", inner},
			{"ip", "link", "set", inner, "netns", ns},
			{"ip", "link", "set", outer, "master", nt.bridge},
			{"ip", "link", "set", outer, "up"},
			{"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"},
			{"ip", "netns", "exec", ns, "ip", "link", "set", inner, "name", "eth0"},
			{"ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", "eth0"},
			{"ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up"},
		} {
			if err := run(cmd...); err != nil {
				return nil, err
			}
		}
	}
	ok = true
	return nt, nil
}

// partition cuts every path between the two groups (replica indices) with
// blackhole routes in each side's namespaces. The root namespace (this
// process) still reaches everyone.
func (nt *netns) partition(a, b []int) error {
	for _, pair := range [][2][]int{{a, b}, {b, a}} {
		for _, i := range pair[0] {
			for _, j := range pair[1] {
				if err := run("ip", "netns", "exec", nt.ns[i], "ip", "route", "add", "blackhole", nt.ips[j]+"/32"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// heal removes every blackhole route and link shaping.
func (nt *netns) heal() {
	for i, ns := range nt.ns {
		for j := range nt.ips {
			if i != j {
				exec.Command("ip", "netns", "exec", ns, "ip", "route", "del", "blackhole", nt.ips[j]+"/32").Run()
			}
		}
		exec.Command("ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", "eth0", "root").Run()
	}
}

// slow limits replica i's outgoing link to rate (tc tbf, e.g. "2mbit")
// with a queue that adds up to latency (e.g. "200ms").
func (nt *netns) slow(i int, rate, latency string) error {
	return run("ip", "netns", "exec", nt.ns[i], "tc", "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", rate, "burst", "32kbit", "latency", latency)
}

func (nt *netns) close() {
	for i := range nt.ns {
		exec.Command("ip", "link", "del", nt.outer[i]).Run()
		exec.Command("ip", "netns", "del", nt.ns[i]).Run()
	}
	exec.Command("ip", "link", "del", nt.bridge).Run()
}
