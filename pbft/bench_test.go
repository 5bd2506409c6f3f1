package pbft

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/bls"
)

// countingScheme wraps the real scheme and records every operation, so a
// benchmark can replay exactly the signature work alone and compare.
type countingSigner struct {
	s   Signer
	log *[]signOp
}

type signOp struct {
	s   Signer
	msg []byte
}

func (c countingSigner) Sign(msg []byte) []byte {
	*c.log = append(*c.log, signOp{c.s, msg})
	return c.s.Sign(msg)
}

type verifyOp struct {
	v             Verifier
	pub, msg, sig []byte
}

type countingVerifier struct {
	v   Verifier
	log *[]verifyOp
}

func (c countingVerifier) Verify(pub, msg, sig []byte) bool {
	*c.log = append(*c.log, verifyOp{c.v, pub, msg, sig})
	return c.v.Verify(pub, msg, sig)
}

// productionSchemes gives s the schemes replicas run: ML-DSA-65 for
// commits and checkpoints, Ed25519ctx for votes, keys from the replica
// IDs, and a membership of n with both keys. wrap, if not nil, wraps
// every signer and verifier (to count operations).
func productionSchemes(s *sim, n int, wrapS func(Signer) Signer, wrapV func(Verifier) Verifier) {
	if wrapS == nil {
		wrapS = func(x Signer) Signer { return x }
		wrapV = func(x Verifier) Verifier { return x }
	}
	signers, keys := mldsaKeys(n)
	voters, voteKeys := make(map[uint64]Signer), make(map[uint64][]byte)
	for id := uint64(1); id <= uint64(n); id++ {
		var seed [32]byte
		binary.BigEndian.PutUint64(seed[:], id^0xed)
		k := ed25519.NewKeyFromSeed(seed[:])
		voters[id], voteKeys[id] = NewEd25519VoteSigner(k), k.Public().(ed25519.PublicKey)
	}
	s.newSig = func(id uint64) Signer { return wrapS(signers[id]) }
	s.newVote = func(id uint64) Signer { return wrapS(voters[id]) }
	s.verif, s.voteVer = wrapV(&MLDSAVerifier{}), wrapV(Ed25519VoteVerifier{})
	s.genesis = testMembership(n, func(id uint64) []byte { return keys[id] })
	for i := range s.genesis.Members {
		s.genesis.Members[i].NetKey = voteKeys[s.genesis.Members[i].ID]
	}
}

func mldsaKeys(n int) (map[uint64]Signer, map[uint64][]byte) {
	signers, keys := make(map[uint64]Signer), make(map[uint64][]byte)
	for id := uint64(1); id <= uint64(n); id++ {
		var seed [32]byte
		binary.BigEndian.PutUint64(seed[:], id)
		signers[id], keys[id] = NewMLDSASigner(seed)
	}
	return signers, keys
}

// BenchmarkSimCommit measures committed requests per second of an n-replica
// simulation with ML-DSA-65 signatures, one request per block (the worst
// case for signature cost), and the share of the time that the signature
// work alone takes. sig-share >= 0.8 means the core's own logic, encoding
// and hashing cost at most a quarter on top of the unavoidable signatures.
func BenchmarkSimCommit(b *testing.B) {
	for _, n := range []int{4, 7} {
		b.Run(fmt.Sprintf("n=%d/mac", n), func(b *testing.B) {
			// The same run with a keyed hash in place of signatures: what
			// the core, the codec and hashing cost on their own.
			s := newSim(b, 1, n, Config{CheckpointInterval: 64, MaxBatch: 1, MaxInFlight: 8})
			primary := s.nodes[1]
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = primary.core.Propose([]byte(fmt.Sprintf("request-%d", i)))
				s.handle(primary)
				s.deliverFIFO(nil)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
		})
		b.Run(fmt.Sprintf("n=%d/mldsa", n), func(b *testing.B) {
			var signs []signOp
			var verifies []verifyOp
			s := &sim{t: b, rng: rand.New(rand.NewPCG(1, 2)), nodes: make(map[uint64]*simNode), cut: make(map[[2]uint64]bool),
				cfg: Config{CheckpointInterval: 64, MaxBatch: 1, MaxInFlight: 8}}
			productionSchemes(s, n, func(x Signer) Signer { return countingSigner{x, &signs} },
				func(x Verifier) Verifier { return countingVerifier{x, &verifies} })
			for _, mb := range s.genesis.Members {
				s.addNode(mb.ID)
			}
			primary := s.nodes[1]
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := primary.core.Propose([]byte(fmt.Sprintf("request-%d", i))); err != nil {
					b.Fatal(err)
				}
				s.handle(primary)
				s.deliverFIFO(nil)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			if got := len(s.nodes[2].ledger); got != b.N {
				b.Fatalf("committed %d of %d", got, b.N)
			}
			// Replay exactly the same signatures and verifications alone.
			t0 := time.Now()
			for _, op := range signs {
				op.s.Sign(op.msg)
			}
			for _, op := range verifies {
				op.v.Verify(op.pub, op.msg, op.sig)
			}
			sigOnly := time.Since(t0)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
			b.ReportMetric(sigOnly.Seconds()/elapsed.Seconds(), "sig-share")
			b.ReportMetric(float64(len(signs))/float64(b.N), "signs/op")
			b.ReportMetric(float64(len(verifies))/float64(b.N), "verifies/op")
		})
	}
}

// BenchmarkSimBatched is the same with 64 requests per block: the
// signature cost per request shrinks with the batch.
func BenchmarkSimBatched(b *testing.B) {
	s := &sim{t: b, rng: rand.New(rand.NewPCG(1, 2)), nodes: make(map[uint64]*simNode), cut: make(map[[2]uint64]bool),
		cfg: Config{CheckpointInterval: 64, MaxBatch: 64, MaxInFlight: 8}}
	productionSchemes(s, 4, nil, nil)
	for _, mb := range s.genesis.Members {
		s.addNode(mb.ID)
	}
	primary := s.nodes[1]
	req := make([]byte, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint64(req, uint64(i))
		_ = primary.core.Propose(append([]byte(nil), req...))
		if i%64 == 63 || i == b.N-1 {
			s.handle(primary)
			s.deliverFIFO(nil)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// The cost split: one of each primitive the core uses.
func BenchmarkMLDSASign(b *testing.B) {
	s, _ := NewMLDSASigner([32]byte{1})
	msg := make([]byte, 80)
	for b.Loop() {
		s.Sign(msg)
	}
}

func BenchmarkMLDSAVerify(b *testing.B) {
	s, pub := NewMLDSASigner([32]byte{1})
	msg := make([]byte, 80)
	sig := s.Sign(msg)
	v := &MLDSAVerifier{}
	for b.Loop() {
		if !v.Verify(pub, msg, sig) {
			b.Fatal("bad")
		}
	}
}

func BenchmarkEd25519Sign(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 80)
	for b.Loop() {
		ed25519.Sign(priv, msg)
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 80)
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		ed25519.Verify(pub, msg, sig)
	}
}

// BenchmarkBLSCertificate signs one distinct message per signer (circl's
// basic scheme refuses equal messages) and verifies the aggregate of three.
func BenchmarkBLSCertificate(b *testing.B) {
	var pubs []*bls.PublicKey[bls.KeyG1SigG2]
	var msgs [][]byte
	var sigs []bls.Signature
	for i := range 3 {
		k, err := bls.KeyGen[bls.KeyG1SigG2](make([]byte, 32+i), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		msg := []byte(fmt.Sprintf("commit by %d", i))
		pubs, msgs, sigs = append(pubs, k.PublicKey()), append(msgs, msg), append(sigs, bls.Sign(k, msg))
	}
	agg, err := bls.Aggregate(bls.KeyG1SigG2{}, sigs)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !bls.VerifyAggregate(pubs, msgs, agg) {
			b.Fatal("bad aggregate")
		}
	}
}

func BenchmarkBlockDigest(b *testing.B) {
	blk := &Block{View: 1, Proposer: 1, Time: 1}
	for i := range 256 {
		tx := make([]byte, 512)
		binary.BigEndian.PutUint64(tx, uint64(i))
		blk.Txs = append(blk.Txs, tx)
	}
	b.SetBytes(int64(blk.Size()))
	for b.Loop() {
		blk.Digest(1)
	}
}

func BenchmarkCodec(b *testing.B) {
	enc := sampleMessages()[4] // a new-view with nested proofs
	for b.Loop() {
		m, err := Decode(enc, 0)
		if err != nil {
			b.Fatal(err)
		}
		_ = sha256.Sum256(m.Encode())
	}
}

// BenchmarkSHA256AfterMLDSA hashes 1 KB right after an ML-DSA-65
// verification, as a replica does all the time. circl's AVX2 code leaves
// the upper YMM halves dirty; without cleanUpper every later SSE
// instruction pays for it (94 µs instead of 1.3 µs per hash on the build
// machine). hash-ns should stay near a plain SHA-256 of 1 KB (~1.3 µs).
func BenchmarkSHA256AfterMLDSA(b *testing.B) {
	var seed [32]byte
	s, pub := NewMLDSASigner(seed)
	msg := []byte("vote")
	sig := s.Sign(msg)
	v := &MLDSAVerifier{}
	x := make([]byte, 1024)
	var hashing time.Duration
	for b.Loop() {
		if !v.Verify(pub, msg, sig) {
			b.Fatal("signature does not verify")
		}
		t0 := time.Now()
		sha256.Sum256(x)
		hashing += time.Since(t0)
	}
	b.ReportMetric(float64(hashing.Nanoseconds())/float64(b.N), "hash-ns")
}
