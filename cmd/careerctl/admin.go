package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/careerchain/careerchain/msp"
)

const adminUsage = `careerctl admin [--msp URL] [--key FILE] leader ID | remove ID | promote ID | status
careerctl admin [--key FILE] enrol --chain-id ID --sign-key HEX --net-key HEX [--valid 24h]
  --msp URL   the MSP's API (default $CAREERCHAIN_MSP or http://127.0.0.1:7390)
  --key FILE  the operator key: a hex Ed25519 seed (keys/operator.key of a testnet)`

// runAdmin runs the operator's admin actions against the MSP's admin API,
// and mints enrolment credentials for joining nodes.
func runAdmin(args []string) error {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	def := os.Getenv("CAREERCHAIN_MSP")
	if def == "" {
		def = "http://127.0.0.1:7390"
	}
	base := fs.String("msp", def, "MSP API base URL")
	keyFile := fs.String("key", "", "operator key file (hex Ed25519 seed)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, adminUsage)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("%w: admin needs an action\n%s", errUsage, adminUsage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	switch action := rest[0]; action {
	case "status":
		c, err := newAPI(*base)
		if err != nil {
			return err
		}
		st, err := c.MSPStatus(ctx)
		if err != nil {
			return apiError(ctx, err)
		}
		return out.Encode(st)
	case "leader", "remove", "promote":
		if len(rest) != 2 {
			return fmt.Errorf("%w: admin %s needs one node ID\n%s", errUsage, action, adminUsage)
		}
		id, err := strconv.ParseUint(rest[1], 10, 64)
		if err != nil || id == 0 {
			return fmt.Errorf("%w: %q is not a node ID", errUsage, rest[1])
		}
		if *keyFile == "" {
			return fmt.Errorf("%w: admin %s needs --key (the operator key)", errUsage, action)
		}
		key, err := msp.LoadKey(*keyFile)
		if err != nil {
			return err
		}
		c, err := newAPI(*base)
		if err != nil {
			return err
		}
		ans, err := c.Admin(ctx, key, action, id)
		if err != nil {
			return apiError(ctx, err)
		}
		return out.Encode(ans)
	case "enrol":
		efs := flag.NewFlagSet("enrol", flag.ContinueOnError)
		chainID := efs.String("chain-id", "", "chain id")
		signKey := efs.String("sign-key", "", "the node's ML-DSA-65 public key, hex")
		netKey := efs.String("net-key", "", "the node's Ed25519 transport key, hex")
		valid := efs.Duration("valid", 24*time.Hour, "how long the credential is valid")
		if err := efs.Parse(rest[1:]); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if *keyFile == "" || *chainID == "" || *signKey == "" || *netKey == "" {
			return fmt.Errorf("%w: enrol needs --key, --chain-id, --sign-key and --net-key\n%s", errUsage, adminUsage)
		}
		key, err := msp.LoadKey(*keyFile)
		if err != nil {
			return err
		}
		cred, err := msp.IssueCredential(key, *chainID, *signKey, *netKey, time.Now().Add(*valid))
		if err != nil {
			return err
		}
		return out.Encode(cred)
	default:
		return fmt.Errorf("%w: unknown admin action %q\n%s", errUsage, action, adminUsage)
	}
}
