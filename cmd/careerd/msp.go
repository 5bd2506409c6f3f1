package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/careerchain/careerchain/msp"
)

// runMSP runs the Membership Service Provider from a config file:
//
//	careerd msp --config FILE
//	careerd msp --testnet DIR [--listen ADDR]   (a directory written by careerd init)
func runMSP(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("msp", flag.ContinueOnError)
	path := fs.String("config", "", "MSP config file (JSON, see docs/MSP.md)")
	testnet := fs.String("testnet", "", "directory written by careerd init (instead of --config)")
	listen := fs.String("listen", "127.0.0.1:7390", "API address with --testnet")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cfg msp.Config
	var err error
	switch {
	case *path != "" && *testnet == "":
		cfg, err = msp.LoadConfig(*path)
	case *testnet != "" && *path == "":
		cfg, err = msp.TestnetConfig(*testnet, *listen)
	default:
		return errors.New("msp: give exactly one of --config FILE or --testnet DIR")
	}
	if err != nil {
		return err
	}
	cfg.Logger = log
	s, err := msp.New(cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	log.Info("msp running", "listen", cfg.ListenAddr, "chain", cfg.Genesis.ChainID)
	if err := s.Run(ctx); err != nil {
		return fmt.Errorf("msp: %w", err)
	}
	return nil
}
