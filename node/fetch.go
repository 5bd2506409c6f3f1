package node

import (
	"context"
	"fmt"
	"net/http"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/client"
)

// peerClient returns an API client of the peer at base over the replica's
// HTTP client. The caller's context bounds each call; the loops that use
// it retry on their own schedule, so the client does not.
func peerClient(hc *http.Client, base string) (*client.Client, error) {
	return client.New(base, client.Options{HTTPClient: hc, Timeout: -1, Retries: -1})
}

// fetchBlock asks a peer's API for the block at height h (raw form). The
// block is not trusted here: the loop installs it through pbft.Core.Install,
// which checks its certificate against the membership.
func fetchBlock(ctx context.Context, c *http.Client, base string, h uint64) (*fetchedBlock, error) {
	pc, err := peerClient(c, base)
	if err != nil {
		return nil, err
	}
	rb, err := pc.RawBlock(ctx, h)
	if err != nil {
		return nil, err
	}
	b, err := pbft.DecodeBlock(rb.Block)
	if err != nil {
		return nil, fmt.Errorf("%s: block %d: %w", base, h, err)
	}
	cert, err := pbft.DecodeCertificate(rb.Certificate)
	if err != nil {
		return nil, fmt.Errorf("%s: block %d: %w", base, h, err)
	}
	return &fetchedBlock{seq: h, block: b, cert: cert, peer: base}, nil
}
