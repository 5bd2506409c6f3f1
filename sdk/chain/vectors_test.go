package chain

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the code")

const vectorsPath = "testdata/vectors.json"

// vectors is the layout of testdata/vectors.json; testdata/README.md
// documents it for other implementations.
type vectors struct {
	Format       string            `json:"format"`
	Canonical    []canonicalVector `json:"canonical"`
	Wallets      []walletVector    `json:"wallets"`
	Addresses    []addressVector   `json:"addresses"`
	Signatures   []signatureVector `json:"signatures"`
	Params       paramsVector      `json:"params"`
	Transactions []txVector        `json:"transactions"`
	PoW          []powVector       `json:"pow"`
	Merkle       []merkleVector    `json:"merkle"`
	KeyChanges   []keyChangeVector `json:"key_changes"`
}

type canonicalVector struct {
	Name   string `json:"name"`
	Input  string `json:"input"`
	Output string `json:"output,omitempty"` // absent when Error is true
	Error  bool   `json:"error,omitempty"`
}

type walletVector struct {
	Name      string `json:"name"`
	Seed      string `json:"seed"`
	PublicKey string `json:"public_key"`
	Address   string `json:"address"`
}

type addressVector struct {
	Input     string `json:"input"`
	Valid     bool   `json:"valid"`
	Canonical string `json:"canonical,omitempty"`
	Error     string `json:"error,omitempty"` // "checksum" or "format"
}

type signatureVector struct {
	Name         string          `json:"name"`
	Tag          string          `json:"tag"`
	Object       json.RawMessage `json:"object"` // what is signed, Sig fields ""
	SigningBytes string          `json:"signing_bytes"`
	Digest       string          `json:"digest"` // hex SHA-256 of the signing bytes
	PublicKey    string          `json:"public_key"`
	Signature    string          `json:"signature"`
}

type paramsVector struct {
	ChainID        string   `json:"chain_id"`
	Attesters      []string `json:"attesters"`
	PaymentIssuers []string `json:"payment_issuers"`
	ConfigSigners  []string `json:"config_signers"`
}

type txVector struct {
	Name       string `json:"name"`
	Difficulty uint8  `json:"difficulty"`
	Encoding   string `json:"encoding"`
	TxID       string `json:"txid"`
	PoWData    string `json:"pow_data"`
}

type powVector struct {
	Data       string `json:"data"`
	Difficulty uint8  `json:"difficulty"`
	Counter    uint64 `json:"counter"`
	StampHash  string `json:"stamp_hash"`
}

// keyChangeVector is one application of a key-set change (ApplyKeyChange):
// the set before, the change, and the set after or an error.
type keyChangeVector struct {
	Name   string    `json:"name"`
	Before []string  `json:"before"`
	Change KeyChange `json:"change"`
	After  []string  `json:"after,omitempty"` // absent when Error is true
	Error  bool      `json:"error,omitempty"`
}

type merkleVector struct {
	Leaves []string      `json:"leaves"` // hex
	Root   string        `json:"root"`
	Proofs [][]ProofStep `json:"proofs"` // one per leaf
}

func (p paramsVector) params() Params {
	set := func(keys []string) map[string]bool {
		m := make(map[string]bool, len(keys))
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	return Params{ChainID: p.ChainID, Attesters: set(p.Attesters), PaymentIssuers: set(p.PaymentIssuers), ConfigSigners: set(p.ConfigSigners)}
}

var canonicalCases = []canonicalVector{
	{Name: "key order", Input: `{"b":1,"a":[3,2,1],"c":{"z":null,"y":true,"x":false}}`},
	{Name: "whitespace", Input: " {\n  \"a\" : [ 1 ,\t2 ] \r\n} "},
	{Name: "key order by UTF-16 code units (RFC 8785 3.2.3)", Input: `{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`},
	{Name: "control characters escaped", Input: `"\u0000\u0001\u0008\u0009\u000a\u000b\u000c\u000d\u001f"`},
	{Name: "quote and backslash escaped, slash not", Input: `"\"\\\/"`},
	{Name: "unicode escapes resolved", Input: `"\u00e9\u4e2d\ud83d\ude00\u2028\u007f"`},
	{Name: "HTML characters literal", Input: `"<script>&amp;</script>"`},
	{Name: "literal UTF-8 kept", Input: "\"주식회사 é 😀\""},
	{Name: "integers", Input: `[0,-0,1,-1,9007199254740991,-9007199254740991]`},
	{Name: "empty containers", Input: `{"a":{},"b":[],"c":""}`},
	{Name: "fraction", Input: `1.5`, Error: true},
	{Name: "integral fraction", Input: `1.0`, Error: true},
	{Name: "exponent", Input: `1e2`, Error: true},
	{Name: "integer beyond 2^53-1", Input: `9007199254740992`, Error: true},
}

// buildVectors computes every vector from fixed seeds and inputs.
func buildVectors(t *testing.T) *vectors {
	t.Helper()
	v := &vectors{Format: "careerchain test vectors v1, see README.md"}
	for _, c := range canonicalCases {
		out, err := Canonical(json.RawMessage(c.Input))
		switch {
		case c.Error && err == nil:
			t.Fatalf("canonical %q: no error", c.Name)
		case !c.Error && err != nil:
			t.Fatalf("canonical %q: %v", c.Name, err)
		}
		c.Output = string(out)
		v.Canonical = append(v.Canonical, c)
	}

	f := newFixture(t)
	for _, w := range []struct {
		name string
		w    Wallet
	}{{"holder", f.holder}, {"issuer", f.issuer}, {"attester", f.attester}, {"operator", f.operator}} {
		v.Wallets = append(v.Wallets, walletVector{Name: w.name, Seed: hex.EncodeToString(w.w.Seed()), PublicKey: w.w.KeyHex(), Address: w.w.Address()})
	}

	addr := f.holder.Address()
	v.Addresses = []addressVector{
		{Input: addr, Valid: true, Canonical: addr},
		{Input: strings.ToUpper(addr), Valid: true, Canonical: addr},
		{Input: mistype(addr), Error: "checksum"},
		{Input: swapFirstDiffering(addr), Error: "checksum"},
		{Input: "cc2" + addr[3:], Error: "format"},
		{Input: addr[:AddressLen-1], Error: "format"},
		{Input: addr[:20] + "x" + addr[21:], Error: "format"},
	}

	v.Params = paramsVector{ChainID: testChain, Attesters: []string{f.attester.KeyHex()}, PaymentIssuers: []string{f.issuer.KeyHex()}, ConfigSigners: []string{f.operator.KeyHex()}}

	register := f.career(t, careerOpts{statement: func(s *Statement) {
		s.Claim.Organisation = "Acme \"Korea\" 주식회사"
	}})
	amend := f.career(t, careerOpts{typ: TypeAmend, statement: func(s *Statement) {
		s.Supersedes = TxID(register)
		s.Nonce = 43
		s.Claim.End = "2023-09-30"
	}})
	revoke := f.revoke(t, f.holder, func(r *Revoke) { r.Target = TxID(register) })
	config := f.config(t, f.operator, nil)
	rotate := f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}, Remove: []string{f.attester.KeyHex()}})

	c := register.Career
	sb, _ := StatementSigningBytes(c.Statement)
	rb, _ := ReceiptSigningBytes(c.Receipt)
	ab, _ := AttestationSigningBytes(c.Statement.Digest(), c.Receipt.Digest(), c.Attestation.Time, c.Attestation.Attester)
	vb, _ := RevokeSigningBytes(*revoke.Revoke)
	cb, _ := ConfigSigningBytes(*config.Config)
	kb, _ := ConfigSigningBytes(*rotate.Config)
	unsignedReceipt := c.Receipt
	unsignedReceipt.Sig = ""
	unsignedRevoke := *revoke.Revoke
	unsignedRevoke.Sig = ""
	unsignedConfig := *config.Config
	unsignedConfig.Sig = ""
	unsignedRotate := *rotate.Config
	unsignedRotate.Sig = ""
	sigs := []struct {
		name, tag string
		obj       any
		bytes     []byte
		key, sig  string
	}{
		{"statement", TagStatement, c.Statement, sb, c.Statement.HolderKey, c.HolderSig},
		{"receipt", TagReceipt, unsignedReceipt, rb, c.Receipt.Issuer, c.Receipt.Sig},
		{"attestation", TagAttestation, attestationBody{Attester: c.Attestation.Attester, Receipt: c.Receipt.Digest(), Statement: c.Statement.Digest(), Time: c.Attestation.Time}, ab, c.Attestation.Attester, c.Attestation.Sig},
		{"revoke", TagRevoke, unsignedRevoke, vb, revoke.Revoke.By, revoke.Revoke.Sig},
		{"config", TagConfig, unsignedConfig, cb, config.Config.Signer, config.Config.Sig},
		{"config_keys", TagConfig, unsignedRotate, kb, rotate.Config.Signer, rotate.Config.Sig},
	}
	for _, s := range sigs {
		obj, err := json.Marshal(s.obj)
		if err != nil {
			t.Fatal(err)
		}
		v.Signatures = append(v.Signatures, signatureVector{
			Name: s.name, Tag: s.tag, Object: obj, SigningBytes: hex.EncodeToString(s.bytes),
			Digest: hexSum(s.bytes), PublicKey: s.key, Signature: s.sig,
		})
	}

	for _, tx := range []struct {
		name string
		tx   *Tx
		d    uint8
	}{{"register", register, 8}, {"amend", amend, 0}, {"revoke", revoke, 4}, {"config", config, 0}, {"config_keys", rotate, 0}} {
		if err := Mine(context.Background(), tx.tx, tx.d); err != nil {
			t.Fatal(err)
		}
		enc, err := EncodeTx(tx.tx)
		if err != nil {
			t.Fatal(err)
		}
		pd, _ := PoWData(tx.tx)
		v.Transactions = append(v.Transactions, txVector{Name: tx.name, Difficulty: tx.d, Encoding: string(enc), TxID: TxID(tx.tx), PoWData: hex.EncodeToString(pd)})
	}

	for _, p := range []struct {
		data string
		d    uint8
	}{{"", 1}, {"join request", 8}, {"\x00\x01\x02", 12}} {
		ctr, err := MineBytes(context.Background(), []byte(p.data), p.d)
		if err != nil {
			t.Fatal(err)
		}
		h := StampHash([]byte(p.data), ctr)
		v.PoW = append(v.PoW, powVector{Data: hex.EncodeToString([]byte(p.data)), Difficulty: p.d, Counter: ctr, StampHash: hex.EncodeToString(h[:])})
	}

	for _, n := range []int{0, 1, 2, 3, 5, 7} {
		leaves := testLeaves(n)
		m := merkleVector{Leaves: []string{}, Proofs: [][]ProofStep{}}
		for i, l := range leaves {
			m.Leaves = append(m.Leaves, hex.EncodeToString(l))
			m.Proofs = append(m.Proofs, MerkleProof(leaves, i))
		}
		root := MerkleRoot(leaves)
		m.Root = hex.EncodeToString(root[:])
		v.Merkle = append(v.Merkle, m)
	}

	keyA, keyB, keyC := f.attester.KeyHex(), f.stranger.KeyHex(), f.holder.KeyHex()
	for _, k := range []keyChangeVector{
		{Name: "add", Before: []string{keyA}, Change: KeyChange{Set: KeySetAttesters, Add: []string{keyB}}},
		{Name: "remove keeps the order of the others", Before: []string{keyA, keyB, keyC}, Change: KeyChange{Set: KeySetPaymentIssuers, Remove: []string{keyB}}},
		{Name: "rotate", Before: []string{keyA}, Change: KeyChange{Set: KeySetAttesters, Add: []string{keyB}, Remove: []string{keyA}}},
		{Name: "remove the last key", Before: []string{keyA}, Change: KeyChange{Set: KeySetAttesters, Remove: []string{keyA}}},
		{Name: "remove a key not in the set", Before: []string{keyA}, Change: KeyChange{Set: KeySetAttesters, Remove: []string{keyB}}, Error: true},
		{Name: "add a key already in the set", Before: []string{keyA}, Change: KeyChange{Set: KeySetAttesters, Add: []string{keyA}}, Error: true},
	} {
		after, err := ApplyKeyChange(k.Before, &k.Change)
		if k.Error != (err != nil) {
			t.Fatalf("key change %q: %v", k.Name, err)
		}
		if err == nil {
			k.After = append([]string{}, after...)
		}
		v.KeyChanges = append(v.KeyChanges, k)
	}
	return v
}

func encodeVectors(t *testing.T, v *vectors) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestVectorsUpToDate: the committed vectors are what the code computes.
// Run with -update after a deliberate change of format.
func TestVectorsUpToDate(t *testing.T) {
	want := encodeVectors(t, buildVectors(t))
	if *update {
		if err := os.WriteFile(filepath.FromSlash(vectorsPath), want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(filepath.FromSlash(vectorsPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the code computes at byte %d; if the change is deliberate, run go test -run TestVectors -update and tell every other implementation",
			vectorsPath, firstDiff(got, want))
	}
}

// TestVectorsCheck reads the committed vectors the way another
// implementation would and checks each against the Go code.
func TestVectorsCheck(t *testing.T) {
	raw, err := os.ReadFile(filepath.FromSlash(vectorsPath))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if len(v.Canonical) == 0 || len(v.Wallets) == 0 || len(v.Signatures) != 6 || len(v.Transactions) == 0 || len(v.Merkle) == 0 || len(v.PoW) == 0 || len(v.KeyChanges) == 0 {
		t.Fatal("vectors file is missing sections")
	}
	for _, c := range v.Canonical {
		out, err := Canonical(json.RawMessage(c.Input))
		if c.Error != (err != nil) || string(out) != c.Output {
			t.Errorf("canonical %q: got %q, %v; want %q (error %v)", c.Name, out, err, c.Output, c.Error)
		}
	}
	for _, w := range v.Wallets {
		seed, _ := hex.DecodeString(w.Seed)
		wl, err := WalletFromSeed(seed)
		if err != nil || wl.KeyHex() != w.PublicKey || wl.Address() != w.Address {
			t.Errorf("wallet %s: got %s %s, %v", w.Name, wl.KeyHex(), wl.Address(), err)
		}
	}
	for _, a := range v.Addresses {
		got, err := ParseAddress(a.Input)
		switch {
		case a.Valid && (err != nil || got != a.Canonical):
			t.Errorf("address %q: %q, %v", a.Input, got, err)
		case a.Error == "checksum" && !errors.Is(err, ErrAddressChecksum):
			t.Errorf("address %q: %v, want a checksum error", a.Input, err)
		case a.Error == "format" && !errors.Is(err, ErrAddress):
			t.Errorf("address %q: %v, want a format error", a.Input, err)
		}
	}
	for _, s := range v.Signatures {
		msg, _ := hex.DecodeString(s.SigningBytes)
		c, err := Canonical(s.Object)
		if err != nil || string(msg) != s.Tag+"\n"+string(c) {
			t.Errorf("signature %s: signing bytes are not tag + LF + canonical object", s.Name)
		}
		if hexSum(msg) != s.Digest {
			t.Errorf("signature %s: digest", s.Name)
		}
		key, _ := hex.DecodeString(s.PublicKey)
		sig, _ := hex.DecodeString(s.Signature)
		if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, msg, sig) {
			t.Errorf("signature %s does not verify", s.Name)
		}
	}
	// The signing-bytes functions agree with the objects of the file.
	var st Statement
	var rc Receipt
	var rv Revoke
	var cf, kc Config
	for i, dst := range []any{&st, &rc, nil, &rv, &cf, &kc} {
		if dst != nil {
			if err := json.Unmarshal(v.Signatures[i].Object, dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ab attestationBody
	if err := json.Unmarshal(v.Signatures[2].Object, &ab); err != nil {
		t.Fatal(err)
	}
	sb, _ := StatementSigningBytes(st)
	rb, _ := ReceiptSigningBytes(rc)
	atb, _ := AttestationSigningBytes(ab.Statement, ab.Receipt, ab.Time, ab.Attester)
	vb, _ := RevokeSigningBytes(rv)
	cb, _ := ConfigSigningBytes(cf)
	kb, _ := ConfigSigningBytes(kc)
	for i, b := range [][]byte{sb, rb, atb, vb, cb, kb} {
		if hex.EncodeToString(b) != v.Signatures[i].SigningBytes {
			t.Errorf("%sSigningBytes disagrees with the vector", v.Signatures[i].Name)
		}
	}
	if st.Digest() != v.Signatures[0].Digest || rc.Digest() != v.Signatures[1].Digest || ab.Statement != st.Digest() || ab.Receipt != rc.Digest() {
		t.Error("digests disagree with the vectors")
	}

	for _, tv := range v.Transactions {
		tx, err := DecodeTx([]byte(tv.Encoding), 0)
		if err != nil {
			t.Errorf("tx %s: %v", tv.Name, err)
			continue
		}
		pd, _ := PoWData(tx)
		if TxID(tx) != tv.TxID || hexSum([]byte(tv.Encoding)) != tv.TxID || hex.EncodeToString(pd) != tv.PoWData {
			t.Errorf("tx %s: TxID %s, PoW data %x", tv.Name, TxID(tx), pd)
		}
		p := v.Params.params()
		p.PoWDifficulty = tv.Difficulty
		if err := tx.CheckStateless(p); err != nil {
			t.Errorf("tx %s: %v", tv.Name, err)
		}
	}
	for _, kv := range v.KeyChanges {
		after, err := ApplyKeyChange(kv.Before, &kv.Change)
		switch {
		case kv.Error && !errors.Is(err, ErrKeyChange):
			t.Errorf("key change %q: %v, want an error", kv.Name, err)
		case !kv.Error && (err != nil || !slices.Equal(after, kv.After)):
			t.Errorf("key change %q: %q, %v; want %q", kv.Name, after, err, kv.After)
		}
	}
	for _, pv := range v.PoW {
		data, _ := hex.DecodeString(pv.Data)
		h := StampHash(data, pv.Counter)
		if hex.EncodeToString(h[:]) != pv.StampHash || !StampOK(data, pv.Counter, pv.Difficulty) {
			t.Errorf("pow %q: stamp hash %x", pv.Data, h)
		}
	}
	for _, m := range v.Merkle {
		leaves := make([][]byte, len(m.Leaves))
		for i, l := range m.Leaves {
			leaves[i], _ = hex.DecodeString(l)
		}
		root := MerkleRoot(leaves)
		if hex.EncodeToString(root[:]) != m.Root {
			t.Errorf("merkle n=%d: root %x", len(leaves), root)
		}
		for i, p := range m.Proofs {
			if !VerifyMerkleProof(leaves[i], root, i, len(leaves), p) {
				t.Errorf("merkle n=%d: proof %d rejected", len(leaves), i)
			}
		}
	}
}
