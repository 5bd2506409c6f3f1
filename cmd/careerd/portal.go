package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/portal"
	"github.com/careerchain/careerchain/portal/devissuer"
	"github.com/careerchain/careerchain/portal/store"
)

// portalConfig is the file `careerd portal --config FILE` reads.
type portalConfig struct {
	Listen    string `json:"listen"`     // default 127.0.0.1:7300
	PublicURL string `json:"public_url"` // how browsers reach it; default http://<listen>
	DataDir   string `json:"data_dir"`   // holds portal.db; default ./portal-data
	Chain     struct {
		Replicas []string `json:"replicas"` // replica API URLs
		MSP      string   `json:"msp"`      // or the MSP's URL, which lists them
	} `json:"chain"`
	OIDC struct {
		Issuer       string `json:"issuer"` // e.g. https://accounts.google.com
		Name         string `json:"name"`   // shown to people, e.g. "Google"
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"` // or $CAREERCHAIN_OIDC_CLIENT_SECRET
	} `json:"oidc"`
	Admins []string `json:"admins"` // subjects at the issuer
	// MSP's admin API: operator_key is a file holding the hex Ed25519
	// seed of an operator key; with it, portal admins get the network
	// page's controls. The network page asks chain.msp.
	OperatorKey string `json:"operator_key"`
	// Genesis is the chain's genesis file, which the in-browser verifier
	// checks proofs against; CredentialKey a file holding the hex Ed25519
	// seed of a credential issuer the genesis names. Both optional.
	Genesis       string `json:"genesis"`
	CredentialKey string `json:"credential_key"`
}

func loadPortalConfig(path string) (portalConfig, error) {
	var c portalConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:7300"
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Listen
	}
	if c.DataDir == "" {
		c.DataDir = "portal-data"
	}
	if s := os.Getenv("CAREERCHAIN_OIDC_CLIENT_SECRET"); s != "" {
		c.OIDC.ClientSecret = s
	}
	switch {
	case len(c.Chain.Replicas) == 0 && c.Chain.MSP == "":
		return c, fmt.Errorf("%s: chain.replicas or chain.msp is required", path)
	case c.OIDC.Issuer == "" || c.OIDC.ClientID == "" || c.OIDC.ClientSecret == "":
		return c, fmt.Errorf("%s: oidc.issuer, oidc.client_id and oidc.client_secret (or $CAREERCHAIN_OIDC_CLIENT_SECRET) are required", path)
	}
	return c, nil
}

// runPortal runs the portal alone against a remote network.
func runPortal(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	path := fs.String("config", "", "portal config file (JSON; see README)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("--config is required")
	}
	c, err := loadPortalConfig(*path)
	if err != nil {
		return err
	}
	ch, err := portal.NewHTTPChain(c.Chain.Replicas, c.Chain.MSP, nil)
	if err != nil {
		return err
	}
	st, err := openPortalStore(c.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	o := portal.Options{PublicURL: c.PublicURL, Issuer: c.OIDC.Issuer, IssuerName: c.OIDC.Name,
		ClientID: c.OIDC.ClientID, ClientSecret: c.OIDC.ClientSecret, Admins: c.Admins, Chain: ch, Store: st, Logger: log.With("role", "portal")}
	if c.Genesis != "" {
		if o.Genesis, err = os.ReadFile(c.Genesis); err != nil {
			return fmt.Errorf("genesis: %w", err)
		}
	}
	o.MSP = c.Chain.MSP
	if c.OperatorKey != "" {
		if o.OperatorKey, err = readSeedKey(c.OperatorKey); err != nil {
			return fmt.Errorf("operator_key: %w", err)
		}
	}
	if c.CredentialKey != "" {
		if o.CredentialKey, err = readSeedKey(c.CredentialKey); err != nil {
			return fmt.Errorf("credential_key: %w", err)
		}
	}
	p, err := portal.New(o)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	if err := serveHTTP(ctx, &wg, c.Listen, p, log); err != nil {
		return err
	}
	log.Info("portal running", "url", c.PublicURL, "listen", c.Listen, "issuer", c.OIDC.Issuer)
	<-ctx.Done()
	wg.Wait()
	return nil
}

func openPortalStore(dir string) (*store.Bolt, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return store.Open(filepath.Join(dir, "portal.db"), nil)
}

// serveHTTP serves h on addr with httpkit's timeouts and per-client bound
// until ctx ends; wg tracks the server's goroutine.
func serveHTTP(ctx context.Context, wg *sync.WaitGroup, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	o := httpkit.Options{}.WithDefaults()
	srv := httpkit.NewServer(h, o, log)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(httpkit.LimitPerClient(ln, o.MaxConnsPerClient)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "addr", addr, "err", err)
		}
	}()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return nil
}

// devPortal starts the dev OIDC issuer and the portal for `careerd dev`
// and returns the lines that introduce them.
// The returned close releases the portal's store; call it after wg.Wait.
func devPortal(ctx context.Context, wg *sync.WaitGroup, dir, portalAddr, issuerAddr, mspURL string, replicas []string, log *slog.Logger) (lines []string, close func(), err error) {
	var b [16]byte
	rand.Read(b[:])
	secret := hex.EncodeToString(b[:])
	issuerURL, portalURL := "http://"+issuerAddr, "http://"+portalAddr
	iss, err := devissuer.New(devissuer.Options{Issuer: issuerURL, ClientID: "careerchain-portal", ClientSecret: secret,
		RedirectURIs: []string{portalURL + "/auth/callback"}})
	if err != nil {
		return nil, nil, err
	}
	if err := serveHTTP(ctx, wg, issuerAddr, iss, log.With("role", "dev-issuer")); err != nil {
		return nil, nil, fmt.Errorf("dev login issuer: %w", err)
	}
	ch, err := portal.NewHTTPChain(replicas, "", nil)
	if err != nil {
		return nil, nil, err
	}
	st, err := openPortalStore(filepath.Join(dir, "portal"))
	if err != nil {
		return nil, nil, err
	}
	var admins []string
	var users []string
	for _, u := range devissuer.DefaultUsers() {
		if u.Admin {
			admins = append(admins, u.Subject)
		}
		note := ""
		if u.Admin {
			note = ", admin"
		} else if !u.EmailVerified {
			note = ", e-mail not verified: refused"
		}
		users = append(users, fmt.Sprintf("%s / %s%s", u.Email, u.Password, note))
	}
	gen, err := os.ReadFile(filepath.Join(dir, "genesis.json"))
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	credKey, err := readSeedKey(filepath.Join(dir, "keys", "credential.key"))
	if err != nil && !errors.Is(err, os.ErrNotExist) { // a data directory from before credentials has none
		st.Close()
		return nil, nil, err
	}
	opKey, err := readSeedKey(filepath.Join(dir, "keys", "operator.key"))
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	p, err := portal.New(portal.Options{PublicURL: portalURL, Issuer: issuerURL, IssuerName: "the dev login", ClientID: "careerchain-portal",
		ClientSecret: secret, Admins: admins, Chain: ch, Store: st, Logger: log.With("role", "portal"),
		Genesis: gen, CredentialKey: credKey, MSP: mspURL, OperatorKey: opKey})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := serveHTTP(ctx, wg, portalAddr, p, log.With("role", "portal")); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("portal: %w", err)
	}
	lines = []string{fmt.Sprintf("  Portal:    %s   (open it in a browser)", portalURL),
		"             log in as: " + strings.Join(users, "; "),
		fmt.Sprintf("  Login:     %s   (the dev OpenID Connect issuer the portal logs in with)", issuerURL)}
	return lines, func() { st.Close() }, nil
}

// readSeedKey reads an Ed25519 key file as careerd init writes them: the
// 32-byte seed in hex.
func readSeedKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: want a 64-digit hex Ed25519 seed", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
