// Package vc exports Careerchain records as W3C Verifiable Credentials 2.0
// and verifies them. A credential carries one career record (its claim,
// holder and the chain record it came from, in evidence) and a
// DataIntegrityProof of the eddsa-jcs-2022 cryptosuite by a credential
// issuer key the chain config names (genesis credential_issuers, changed by
// config.keys like the attesters), so that a verifier ties the credential
// to the chain, and through the chain record's proof bundle (sdk/verify) to
// the replicas' commit certificate and the record's status.
//
// The cryptosuite, as the W3C specification "Data Integrity EdDSA
// Cryptosuites v1.0" defines eddsa-jcs-2022 and as its test vectors
// (testdata/w3c) check:
//
//   - proof configuration: the proof without proofValue, with the
//     document's @context, canonicalised by RFC 8785 (JCS);
//   - hashData = SHA-256(canonical proof configuration) ‖
//     SHA-256(JCS(document without proof)): the configuration's hash
//     first;
//   - the Ed25519 signature of hashData, as proofValue "z" + base58btc;
//   - verificationMethod did:key:z6Mk…#z6Mk…: multibase base58btc of the
//     multicodec ed25519-pub prefix 0xed 0x01 and the 32-byte key.
//
// Invariants: Sign and VerifyProof are pure functions of their arguments
// (no clock, no network: a caller passes the time); a credential verifies
// only if every byte of it but the proofValue is covered by the signature.
package vc
