#!/usr/bin/env python3
"""Writes keyfile.json, the key file test vectors, with an implementation
independent of sdk/chain (Python's hashlib and the cryptography package).
The Go test (TestKeyFileVectors) and the browser test must reproduce it.
Run from this directory: python3 keyfile_gen.py > keyfile.json"""
import hashlib, json
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

TAG = "careerchain/keyfile/v1"

def address(pub):
    body = hashlib.sha256(pub).hexdigest()[:40]
    return "cc1" + body + hashlib.sha256(("careerchain/address/v1\n" + body).encode()).hexdigest()[:8]

def keyfile(seed, passphrase, salt, nonce, iterations):
    pub = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, iterations, 32)
    ct = AESGCM(key).encrypt(nonce, seed, (TAG + "\n" + pub.hex()).encode())
    return {"version": 1, "address": address(pub), "public_key": pub.hex(),
            "kdf": {"name": "pbkdf2-hmac-sha256", "iterations": iterations, "salt": salt.hex()},
            "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex(), "ciphertext": ct.hex()}}

def h(label, n):
    return hashlib.sha256(("careerchain keyfile vector " + label).encode()).digest()[:n]

cases = [
    ("ascii passphrase", h("seed 1", 32), "correct horse battery staple", h("salt 1", 16), h("nonce 1", 12), 600000),
    ("korean passphrase, more iterations, longer salt", h("seed 2", 32), "경력 체인 비밀번호 2025", h("salt 2", 32), h("nonce 2", 12), 650000),
]
valid = []
for name, seed, pw, salt, nonce, it in cases:
    valid.append({"name": name, "seed": seed.hex(), "passphrase": pw, "file": keyfile(seed, pw, salt, nonce, it)})

f1, f2 = valid[0]["file"], valid[1]["file"]
swapped = dict(f1, address=f2["address"], public_key=f2["public_key"])
weak = keyfile(h("seed 3", 32), "correct horse battery staple", h("salt 3", 16), h("nonce 3", 12), 100000)
flipped = json.loads(json.dumps(f1))
ct = bytearray(bytes.fromhex(flipped["cipher"]["ciphertext"])); ct[0] ^= 1
flipped["cipher"]["ciphertext"] = ct.hex()
invalid = [
    {"name": "wrong passphrase (one letter's case)", "passphrase": "Correct horse battery staple", "file": f1, "error": "passphrase"},
    {"name": "another wallet's public key and address", "passphrase": valid[0]["passphrase"], "file": swapped, "error": "passphrase"},
    {"name": "a flipped ciphertext bit", "passphrase": valid[0]["passphrase"], "file": flipped, "error": "passphrase"},
    {"name": "fewer than 600000 iterations", "passphrase": "correct horse battery staple", "file": weak, "error": "format"},
    {"name": "address not the public key's", "passphrase": valid[0]["passphrase"], "file": dict(f1, address=f2["address"]), "error": "format"},
]
print(json.dumps({"format": "careerchain key file vectors v1, see README.md", "valid": valid, "invalid": invalid}, indent=2, ensure_ascii=False))
