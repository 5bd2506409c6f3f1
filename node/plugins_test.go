package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
	"github.com/careerchain/careerchain/wasm"
	"github.com/careerchain/careerchain/wasm/wasmtest"
)

// pluginModule builds a shipped plugin from its source (never a stale
// module left in plugins/build).
func pluginModule(t testing.TB, name string) []byte {
	return wasmtest.MustBuild(t, filepath.Join("..", "plugins", name))
}

func TestWasmPluginsJudgeCareerTransactions(t *testing.T) {
	dir := t.TempDir()
	payment, attester := wallet(t, "payment"), wallet(t, "attester")
	for _, name := range []string{"career-validator", "payment-sandbox"} {
		if err := os.WriteFile(filepath.Join(dir, name+".wasm"), pluginModule(t, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := `{"issuers":["` + payment.KeyHex() + `"],"amount":5000,"currency":"KRW"}`
	refs, err := PluginRefs(dir, cfg)
	if err != nil || len(refs) != 2 {
		t.Fatalf("PluginRefs: %v %v", refs, err)
	}
	ctx := context.Background()
	p, err := NewWasmPlugins(ctx, dir, wasm.Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	bctx := BlockContext{ChainID: testChainID, Height: 7, Time: 1_750_000_000_000, Plugins: refs}
	holder := wallet(t, "holder")

	good := careerTx(t, testChainID, holder, payment, attester, 1, "pay-1", 0)
	if v := p.CheckTx(ctx, good, bctx); v.Verdict != pbft.Accept {
		t.Fatalf("valid transaction: %v %s", v.Verdict, v.Reason)
	}

	// The holder claims an engagement that starts after the block time.
	future := careerTxWith(t, holder, payment, attester, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2099-01-01"}, 5000)
	if v := p.CheckTx(ctx, future, bctx); v.Verdict != pbft.Reject || !strings.Contains(v.Reason, "career-validator") {
		t.Fatalf("future start: %v %s", v.Verdict, v.Reason)
	}
	// Paid the wrong amount.
	cheap := careerTxWith(t, holder, payment, attester, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2020-01-01"}, 10)
	if v := p.CheckTx(ctx, cheap, bctx); v.Verdict != pbft.Reject || !strings.Contains(v.Reason, "payment-sandbox") {
		t.Fatalf("wrong amount: %v %s", v.Verdict, v.Reason)
	}
	// A provider the chain has no plugin for.
	other := *good
	career := *good.Career
	career.Receipt.Provider = "kakaopay"
	other.Career = &career
	if v := p.CheckTx(ctx, &other, bctx); v.Verdict != pbft.Reject || !strings.Contains(v.Reason, "kakaopay") {
		t.Fatalf("unknown provider: %v %s", v.Verdict, v.Reason)
	}
	// Revocations carry no claim: plugins do not apply.
	if v := p.CheckTx(ctx, &chain.Tx{Type: chain.TypeRevoke, Revoke: &chain.Revoke{}}, bctx); v.Verdict != pbft.Accept {
		t.Fatalf("revoke: %v", v.Verdict)
	}
	// The checks verify through the host's notes: the payment plugin's
	// check of the receipt signature uses up its note, and the holder's and
	// the attester's stay (without the notes, none would be there).
	st := newChainState(testChainID, genesis.ChainConfig{Attesters: []string{attester.KeyHex()}, PaymentIssuers: []string{payment.KeyHex()}}, 64<<10, 0)
	notes := p.host.SigNotes()
	before := notes.Len()
	fresh := careerTx(t, testChainID, holder, payment, attester, 2, "pay-2", 0)
	if r := checkTx(ctx, encode(t, fresh), st, p, bctx); r.verdict.Verdict != pbft.Accept {
		t.Fatalf("checks of a valid transaction: %+v", r.verdict)
	}
	if got := notes.Len() - before; got != 2 {
		t.Fatalf("%d signatures left noted after the checks and the plugins, want 2 (holder, attester)", got)
	}
	// A module whose bytes do not match the pin: this replica abstains.
	bad := refs[0]
	bad.SHA256 = strings.Repeat("0", 64)
	if v := p.CheckTx(ctx, good, BlockContext{ChainID: testChainID, Time: bctx.Time, Plugins: []chain.PluginRef{bad}}); v.Verdict != pbft.Abstain {
		t.Fatalf("hash mismatch: %v %s", v.Verdict, v.Reason)
	}
}

func careerTxWith(t *testing.T, holder, payment, attester chain.Wallet, claim chain.Claim, amount int64) *chain.Tx {
	t.Helper()
	s := chain.NewStatement(holder, testChainID, 9, claim)
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.SignReceipt(payment.PrivateKey(), chain.NewReceipt("sandbox", "pay-x", amount, "KRW", s.Digest()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := chain.Attest(attester.PrivateKey(), s, r, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	return chain.NewCareerTx(s, sig, r, a)
}
