package chain_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"

	"github.com/careerchain/careerchain/sdk/chain"
)

// Example builds, signs, mines and verifies a career.register transaction
// the way the portal (holder, payment service, admin) and a replica do.
func Example() {
	must := func(w chain.Wallet, err error) chain.Wallet {
		if err != nil {
			log.Fatal(err)
		}
		return w
	}
	holder := must(chain.NewWallet(rand.Reader))   // in the freelancer's browser
	payments := must(chain.NewWallet(rand.Reader)) // the portal's payment service
	admin := must(chain.NewWallet(rand.Reader))    // the approving admin

	// 1. The holder states the claim and signs it.
	nonce, err := chain.NewNonce(rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	st := chain.NewStatement(holder, "careerchain-dev", nonce, chain.Claim{
		Role:         "Backend engineer",
		Organisation: "Acme Ltd",
		Start:        "2021-03-01",
		End:          "2023-08-31",
		Skills:       []string{"Go"},
	})
	holderSig, err := chain.SignStatement(holder, st)
	if err != nil {
		log.Fatal(err)
	}

	// 2. The payment service issues a receipt for this statement.
	receipt, err := chain.SignReceipt(payments.PrivateKey(),
		chain.NewReceipt("sandbox", "pay_123", 5000, "KRW", st.Digest()))
	if err != nil {
		log.Fatal(err)
	}

	// 3. An admin approves it.
	att, err := chain.Attest(admin.PrivateKey(), st, receipt, 1_700_000_000)
	if err != nil {
		log.Fatal(err)
	}

	// 4. The transaction gets its hashcash stamp and is encoded.
	tx := chain.NewCareerTx(st, holderSig, receipt, att)
	if err := chain.Mine(context.Background(), tx, 8); err != nil {
		log.Fatal(err)
	}
	wire, err := chain.EncodeTx(tx)
	if err != nil {
		log.Fatal(err)
	}

	// 5. A replica decodes and checks it.
	params := chain.Params{
		ChainID:        "careerchain-dev",
		PoWDifficulty:  8,
		Attesters:      map[string]bool{admin.KeyHex(): true},
		PaymentIssuers: map[string]bool{payments.KeyHex(): true},
	}
	got, err := chain.DecodeTx(wire, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("valid:", got.CheckStateless(params) == nil)
	fmt.Println("same id:", chain.TxID(got) == chain.TxID(tx))
	fmt.Println("indexed under the holder:", chain.Subjects(got)[0] == holder.Address())

	// A changed claim fails the stamp (ErrPoW) or, with difficulty 0, the
	// holder's signature (ErrBadSignature).
	got.Career.Statement.Claim.Role = "CTO"
	params.PoWDifficulty = 0
	err = got.CheckStateless(params)
	fmt.Println("tampered:", errors.Is(err, chain.ErrBadSignature))
	// Output:
	// valid: true
	// same id: true
	// indexed under the holder: true
	// tampered: true
}

// ExampleParseAddress shows the error a mistyped address gets.
func ExampleParseAddress() {
	seed := make([]byte, 32)
	w, _ := chain.WalletFromSeed(seed)
	addr := w.Address()
	fmt.Println(addr)
	typo := addr[:10] + "7" + addr[11:] // the 11th character was "0"
	_, err := chain.ParseAddress(typo)
	fmt.Println(errors.Is(err, chain.ErrAddressChecksum))
	// Output:
	// cc1139e3940e64b5491722088d9a0d741628fc826e04e7d2d46
	// true
}

// ExampleMerkleProof proves that one transaction is in a block.
func ExampleMerkleProof() {
	var ids [][]byte
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		tx := &chain.Tx{Type: s}
		id, _ := chain.TxIDBytes(tx)
		ids = append(ids, id[:])
	}
	root := chain.MerkleRoot(ids)
	proof := chain.MerkleProof(ids, 2)
	fmt.Println(len(proof), chain.VerifyMerkleProof(ids[2], root, 2, len(ids), proof))
	// Output: 3 true
}
