package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// network is what --node names, reached through sdk/client: a replica's
// or the MSP's API. Reads go to the replicas it names (itself, for a
// replica; the members, leader first, for the MSP), falling over to the
// next one when one does not answer. Every error it returns wraps
// errNotFound, errInvalid or errUnreachable, or says what the server
// answered (apiError). Not safe for concurrent use before the first read
// has resolved the replicas.
type network struct {
	base    string
	node    *client.Client
	targets []*client.Client // replicas to read from, resolved on first use
}

// newAPI returns a client of base with careerctl's bounds.
func newAPI(base string) (*client.Client, error) {
	c, err := client.New(base, client.Options{Timeout: 30 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return c, nil
}

func newNetwork(base string) (*network, error) {
	c, err := newAPI(base)
	if err != nil {
		return nil, err
	}
	return &network{base: c.Base(), node: c}, nil
}

// member is one replica a status names.
type member struct {
	id  uint64
	api string
}

// netView is what careerctl shows of a status, the replica's or the MSP's.
type netView struct {
	msp          bool
	chainID      string
	epoch, view  uint64
	leader       uint64
	height       uint64
	inViewChange bool
	members      []member
}

// status reads the status of --node, a replica or the MSP.
func (n *network) status(ctx context.Context) (*netView, error) {
	s, err := n.node.AnyStatus(ctx)
	if err != nil {
		return nil, apiError(ctx, err)
	}
	if m := s.MSP; m != nil {
		v := &netView{msp: true, chainID: m.ChainID, epoch: m.Epoch, view: m.View, leader: m.Leader, height: m.Height, inViewChange: m.InViewChange}
		for _, mm := range m.Members {
			v.members = append(v.members, member{mm.ID, mm.API})
		}
		return v, nil
	}
	r := s.Replica
	v := &netView{chainID: r.ChainID, epoch: r.Epoch, view: r.View, leader: r.Leader, height: r.Height, inViewChange: r.InViewChange}
	for _, rm := range r.Members {
		v.members = append(v.members, member{rm.ID, rm.API})
	}
	return v, nil
}

// replicas returns clients of the replicas to read from, leader first.
func (n *network) replicas(ctx context.Context) ([]*client.Client, error) {
	if n.targets != nil {
		return n.targets, nil
	}
	v, err := n.status(ctx)
	if err != nil {
		return nil, err
	}
	if !v.msp {
		n.targets = []*client.Client{n.node}
		return n.targets, nil
	}
	for _, m := range v.members {
		if m.api == "" {
			continue
		}
		c, err := newAPI(m.api)
		if err != nil {
			continue // the MSP's book names a replica by a bad URL; read the others
		}
		if m.id == v.leader {
			n.targets = append([]*client.Client{c}, n.targets...)
		} else {
			n.targets = append(n.targets, c)
		}
	}
	if len(n.targets) == 0 {
		return nil, fmt.Errorf("the MSP at %s names no replica with an API address", n.base)
	}
	return n.targets, nil
}

// read calls f with the first replica that answers: one that is down,
// busy or whose ledger is damaged there gives way to the next.
func (n *network) read(ctx context.Context, f func(*client.Client) error) error {
	targets, err := n.replicas(ctx)
	if err != nil {
		return err
	}
	var last error
	for _, t := range targets {
		err := f(t)
		if ctx.Err() == nil && (errors.Is(err, client.ErrUnreachable) || errors.Is(err, client.ErrBusy) || errors.Is(err, client.CodeDamaged)) {
			last = err
			continue
		}
		return apiError(ctx, err)
	}
	if len(targets) == 1 || !errors.Is(last, client.ErrUnreachable) {
		return apiError(ctx, last)
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = hostOf(t.Base())
	}
	return fmt.Errorf("%w: no answer from the replicas %s; is the network running? choose another with --node URL", errUnreachable, strings.Join(names, ", "))
}

// apiError maps an sdk/client error to careerctl's: not found (exit 3),
// invalid or rejected (exit 1), unreachable (exit 4), or what the server
// answered, with the server's message and without the client's URL.
func apiError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ae *client.Error
	if errors.As(err, &ae) {
		msg := bareMessage(ae.Message)
		switch {
		case errors.Is(err, client.ErrNotFound):
			return fmt.Errorf("%w: %s", errNotFound, msg)
		case errors.Is(err, client.ErrInvalid), errors.Is(err, client.ErrRejected), errors.Is(err, client.ErrConflict), errors.Is(err, client.ErrUnauthorized):
			return fmt.Errorf("%w: %s", errInvalid, msg)
		default:
			return fmt.Errorf("%s answered %d: %s", hostOf(ae.URL), ae.Status, msg)
		}
	}
	var ue *url.Error
	switch {
	case errors.Is(err, client.ErrUnreachable) && errors.As(err, &ue):
		return fmt.Errorf("%w: no answer from %s (%v); is the network running? choose another with --node URL", errUnreachable, hostOf(ue.URL), ue.Err)
	case errors.Is(err, client.ErrUnreachable):
		return fmt.Errorf("%w: no answer (%v); is the network running? choose another with --node URL", errUnreachable, err)
	case errors.Is(err, client.ErrBadResponse):
		return fmt.Errorf("the node sent an answer careerctl cannot read: %v", err)
	}
	return err
}

// bareMessage drops the sentinel's text ("node: not found: …") from a
// server's message: the exit code and careerctl's own prefix say it.
func bareMessage(msg string) string {
	for _, p := range []string{"node: ", "msp: "} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			if i := strings.Index(rest, ": "); i >= 0 {
				msg = rest[i+2:]
			}
		}
	}
	return msg
}

func hostOf(url string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}
