package wasm_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/careerchain/careerchain/internal/testkit"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/middleware"
	"github.com/careerchain/careerchain/wasm"
	"github.com/careerchain/careerchain/wasm/wasmtest"
)

type noLeader struct{ t *testing.T }

func (n noLeader) Leader(context.Context) ([]string, error) {
	n.t.Fatal("a transaction the plugins reject must not reach the network")
	return nil, nil
}

func wallet(t *testing.T, label string) chain.Wallet {
	t.Helper()
	return testkit.Keys{}.Wallet(t, label)
}

// The pipeline's local run, in the real sandbox with the shipped
// validator, fails fast with the plugin's reason.
func TestMiddlewarePluginsFailFast(t *testing.T) {
	mod := wasmtest.MustBuild(t, filepath.Join("..", "plugins", "career-validator"))
	ref := wasmtest.Pin("career-validator", wasm.KindValidator, "", mod)
	h := wasmtest.NewHost(t, wasm.Options{}, []chain.PluginRef{ref}, [][]byte{mod})
	p, err := middleware.New(middleware.Options{ChainID: "test-chain", Plugins: wasm.MiddlewarePlugins{Host: h},
		Refs: []chain.PluginRef{ref}, Leaders: noLeader{t}})
	if err != nil {
		t.Fatal(err)
	}
	holder, pay, att := wallet(t, "holder"), wallet(t, "pay"), wallet(t, "att")
	s := chain.NewStatement(holder, "test-chain", 1, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2022-05-01", End: "2021-01-01"})
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.SignReceipt(pay.PrivateKey(), chain.NewReceipt("sandbox", "p1", 5000, "KRW", s.Digest()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := chain.Attest(att.PrivateKey(), s, r, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Submit(context.Background(), chain.NewCareerTx(s, sig, r, a))
	if !errors.Is(err, middleware.ErrRejected) || res == nil || len(res.Plugins) != 1 || res.Plugins[0].Verdict != pbft.Reject {
		t.Fatalf("end before start: %+v %v", res, err)
	}
}
