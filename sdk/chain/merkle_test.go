package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
)

// referenceRoot is RFC 6962's recursive definition, used to check the
// bottom-up implementation.
func referenceRoot(leaves [][]byte) [32]byte {
	switch n := len(leaves); n {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		l, r := referenceRoot(leaves[:k]), referenceRoot(leaves[k:])
		return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
	}
}

func testLeaves(n int) [][]byte {
	leaves := make([][]byte, n)
	for i := range leaves {
		id := sha256.Sum256(fmt.Appendf(nil, "tx %d", i))
		leaves[i] = id[:]
	}
	return leaves
}

// TestMerkleRFC6962Vectors: the roots of the first 1 to 8 leaves of the
// RFC 6962 test data (certificate-transparency's merkle_tree_test).
func TestMerkleRFC6962Vectors(t *testing.T) {
	leafHex := []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	roots := []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	var leaves [][]byte
	for i, h := range leafHex {
		b, _ := hex.DecodeString(h)
		leaves = append(leaves, b)
		if got := MerkleRoot(leaves); hex.EncodeToString(got[:]) != roots[i] {
			t.Errorf("root of %d leaves = %x, want %s", i+1, got, roots[i])
		}
	}
	if got := MerkleRoot(nil); hex.EncodeToString(got[:]) != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("root of no leaves = %x", got)
	}
}

func TestMerkleRootMatchesReference(t *testing.T) {
	for n := 0; n <= 70; n++ {
		leaves := testLeaves(n)
		if got, want := MerkleRoot(leaves), referenceRoot(leaves); got != want {
			t.Fatalf("n=%d: root %x, reference %x", n, got, want)
		}
	}
}

// TestMerkleNoDuplicationCollision: a list whose last leaf is repeated has
// another root (Bitcoin's duplicated-odd-node flaw would make them equal).
func TestMerkleNoDuplicationCollision(t *testing.T) {
	l := testLeaves(3)
	if MerkleRoot(l) == MerkleRoot(append(l, l[2])) {
		t.Fatal("[a b c] and [a b c c] share a root")
	}
}

func TestMerkleProofs(t *testing.T) {
	for n := 1; n <= 33; n++ {
		leaves := testLeaves(n)
		root := MerkleRoot(leaves)
		for i := range n {
			proof := MerkleProof(leaves, i)
			if !VerifyMerkleProof(leaves[i], root, i, n, proof) {
				t.Fatalf("n=%d i=%d: valid proof rejected", n, i)
			}
			if VerifyMerkleProof([]byte("other"), root, i, n, proof) {
				t.Fatalf("n=%d i=%d: proof accepted for another leaf", n, i)
			}
			if n > 1 && VerifyMerkleProof(leaves[i], root, (i+1)%n, n, proof) {
				t.Fatalf("n=%d i=%d: proof accepted at another index", n, i)
			}
			if len(proof) > 0 {
				bad := append([]ProofStep(nil), proof...)
				bad[0].Left = !bad[0].Left
				if VerifyMerkleProof(leaves[i], root, i, n, bad) {
					t.Fatalf("n=%d i=%d: proof with a flipped side accepted", n, i)
				}
				bad = append([]ProofStep(nil), proof...)
				bad[len(bad)-1].Hash[0] ^= 1
				if VerifyMerkleProof(leaves[i], root, i, n, bad) {
					t.Fatalf("n=%d i=%d: proof with a changed hash accepted", n, i)
				}
				if VerifyMerkleProof(leaves[i], root, i, n, proof[:len(proof)-1]) {
					t.Fatalf("n=%d i=%d: truncated proof accepted", n, i)
				}
			}
			if VerifyMerkleProof(leaves[i], root, i, n, append(proof, ProofStep{})) {
				t.Fatalf("n=%d i=%d: proof with an extra step accepted", n, i)
			}
		}
	}
}

func TestMerkleProofBounds(t *testing.T) {
	leaves := testLeaves(4)
	root := MerkleRoot(leaves)
	for _, i := range []int{-1, 4} {
		if p := MerkleProof(leaves, i); p != nil {
			t.Errorf("MerkleProof(%d) = %v, want nil", i, p)
		}
		if VerifyMerkleProof(leaves[0], root, i, 4, nil) {
			t.Errorf("VerifyMerkleProof(index %d) accepted", i)
		}
	}
	if VerifyMerkleProof(leaves[0], root, 0, 0, nil) {
		t.Error("VerifyMerkleProof(n=0) accepted")
	}
	one := testLeaves(1)
	if p := MerkleProof(one, 0); p == nil || len(p) != 0 || !VerifyMerkleProof(one[0], MerkleRoot(one), 0, 1, p) {
		t.Errorf("one-leaf proof = %v", p)
	}
}

func TestProofStepJSON(t *testing.T) {
	step := ProofStep{Left: true, Hash: sha256.Sum256([]byte("x"))}
	b, err := json.Marshal(step)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hash":"` + hexSum([]byte("x")) + `","left":true}`
	if string(b) != want {
		t.Fatalf("Marshal = %s, want %s", b, want)
	}
	var back ProofStep
	if err := json.Unmarshal(b, &back); err != nil || back != step {
		t.Fatalf("Unmarshal = %+v, %v", back, err)
	}
	for _, bad := range []string{`{"hash":"00","left":true}`, `{"hash":"` + hexSum(nil) + `","left":true,"x":1}`, `[]`, `{"hash":"` + fmt.Sprintf("%064X", 10) + `"}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}
