package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/careerchain/careerchain/pbft"
)

// maxRawBlock bounds a state-transfer response.
const maxRawBlock = 96 << 20

// fetchBlock asks a peer's API for the block at height h (raw form). The
// block is not trusted here: the loop installs it through pbft.Core.Install,
// which checks its certificate against the membership.
func fetchBlock(ctx context.Context, c *http.Client, base string, h uint64) (*fetchedBlock, error) {
	url := fmt.Sprintf("%s/api/v1/blocks/%d?raw=1", strings.TrimRight(base, "/"), h)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRawBlock+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	if len(body) > maxRawBlock {
		return nil, fmt.Errorf("%s: response exceeds %d bytes", url, maxRawBlock)
	}
	var rb RawBlock
	if err := json.Unmarshal(body, &rb); err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if rb.Height != h {
		return nil, fmt.Errorf("%s: served height %d", url, rb.Height)
	}
	b, err := pbft.DecodeBlock(rb.Block)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	cert, err := pbft.DecodeCertificate(rb.Certificate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return &fetchedBlock{seq: h, block: b, cert: cert, peer: base}, nil
}
