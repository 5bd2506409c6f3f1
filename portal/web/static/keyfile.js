// Careerchain key files in the browser, with WebCrypto only. The format is
// sdk/chain/keyfile.go's, byte for byte: the 32-byte Ed25519 seed sealed
// with AES-256-GCM under PBKDF2-HMAC-SHA256(passphrase, salt, iterations),
// additional data "careerchain/keyfile/v1\n" + public key hex.
// sdk/chain/testdata/keyfile.json holds the vectors this module must match
// (portal/keyfile_browser_test.go runs them in Chromium).

const enc = new TextEncoder();
const TAG = "careerchain/keyfile/v1";
const ADDRESS_TAG = "careerchain/address/v1";
export const ITERATIONS = 600000;
const MAX_ITERATIONS = 10000000;
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
const PKCS8_PREFIX = "302e020100300506032b657004220420";

/** KeyFileError.kind is "format" (not a key file) or "passphrase". */
export class KeyFileError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

export function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function unhex(s) {
  if (typeof s !== "string" || s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s)) {
    throw new KeyFileError("format", "not lower-case hex");
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** The address of a 32-byte public key: "cc1" + 40 hex + 8 hex checksum. */
export async function addressFromKey(pub) {
  const body = hex((await sha256(pub)).slice(0, 20));
  const sum = hex((await sha256(enc.encode(ADDRESS_TAG + "\n" + body))).slice(0, 4));
  return "cc1" + body + sum;
}

/** Imports a seed: returns the signing key and the 32-byte public key. */
export async function importSeed(seed) {
  const key = await crypto.subtle.importKey("pkcs8", concat(unhex(PKCS8_PREFIX), seed), { name: "Ed25519" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const b64 = jwk.x.replace(/-/g, "+").replace(/_/g, "/");
  const pub = Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  return { key, publicKey: pub };
}

/** Makes a new Ed25519 key with WebCrypto and returns its 32-byte seed. */
export async function generateSeed() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return pkcs8.slice(pkcs8.length - 32);
}

/** Whether this browser has WebCrypto Ed25519. */
export async function supported() {
  try {
    await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}

async function aesKey(passphrase, salt, iterations) {
  if (!passphrase) throw new KeyFileError("passphrase", "the passphrase is empty");
  const base = await crypto.subtle.importKey("raw", enc.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base,
    { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

/**
 * Seals seed with passphrase and returns the key file text, exactly as
 * Go's EncryptKey writes it. opts (iterations, salt, nonce) are for test
 * vectors; a wallet uses the defaults.
 */
export async function encryptKeyFile(seed, passphrase, opts = {}) {
  const iterations = opts.iterations ?? ITERATIONS;
  if (iterations < ITERATIONS || iterations > MAX_ITERATIONS) throw new KeyFileError("format", "iterations out of range");
  const salt = opts.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const nonce = opts.nonce ?? crypto.getRandomValues(new Uint8Array(12));
  const { publicKey } = await importSeed(seed);
  const pubHex = hex(publicKey);
  const k = await aesKey(passphrase, salt, iterations);
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: enc.encode(TAG + "\n" + pubHex) }, k, seed);
  const file = {
    version: 1,
    address: await addressFromKey(publicKey),
    public_key: pubHex,
    kdf: { name: "pbkdf2-hmac-sha256", iterations, salt: hex(salt) },
    cipher: { name: "aes-256-gcm", nonce: hex(nonce), ciphertext: hex(sealed) },
  };
  return JSON.stringify(file, null, 2) + "\n";
}

function exactKeys(obj, keys, where) {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new KeyFileError("format", where + " is not an object");
  for (const k of Object.keys(obj)) if (!keys.includes(k)) throw new KeyFileError("format", "unknown field " + where + "." + k);
}

function hexField(v, min, max, name) {
  const b = unhex(v);
  if (b.length < min || b.length > max) throw new KeyFileError("format", name + " has the wrong length");
  return b;
}

/** Reads a key file without opening it, as strictly as Go's ParseKeyFile. */
export async function parseKeyFile(text) {
  if (text.length > 4096) throw new KeyFileError("format", "too large for a key file");
  let f;
  try {
    f = JSON.parse(text);
  } catch {
    throw new KeyFileError("format", "not JSON");
  }
  exactKeys(f, ["version", "address", "public_key", "kdf", "cipher"], "file");
  exactKeys(f.kdf, ["name", "iterations", "salt"], "kdf");
  exactKeys(f.cipher, ["name", "nonce", "ciphertext"], "cipher");
  if (f.version !== 1) throw new KeyFileError("format", "unknown version");
  if (f.kdf.name !== "pbkdf2-hmac-sha256" || f.cipher.name !== "aes-256-gcm") throw new KeyFileError("format", "unknown kdf or cipher");
  if (!Number.isInteger(f.kdf.iterations) || f.kdf.iterations < ITERATIONS || f.kdf.iterations > MAX_ITERATIONS) {
    throw new KeyFileError("format", "iterations out of range");
  }
  const salt = hexField(f.kdf.salt, 16, 64, "salt");
  const nonce = hexField(f.cipher.nonce, 12, 12, "nonce");
  const ciphertext = hexField(f.cipher.ciphertext, 48, 48, "ciphertext");
  const pub = hexField(f.public_key, 32, 32, "public_key");
  if ((await addressFromKey(pub)) !== f.address) throw new KeyFileError("format", "the address is not the public key's");
  return { file: f, salt, nonce, ciphertext, publicKey: pub };
}

/** Opens a key file; returns { seed, address, publicKey } or throws KeyFileError. */
export async function decryptKeyFile(text, passphrase) {
  const p = await parseKeyFile(text);
  const k = await aesKey(passphrase, p.salt, p.file.kdf.iterations);
  let seed;
  try {
    seed = new Uint8Array(await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: p.nonce, additionalData: enc.encode(TAG + "\n" + p.file.public_key) }, k, p.ciphertext));
  } catch {
    throw new KeyFileError("passphrase", "the key file does not open with this passphrase (or it was changed)");
  }
  const { publicKey } = await importSeed(seed);
  if (hex(publicKey) !== p.file.public_key) throw new KeyFileError("format", "the sealed key is not the file's public key");
  return { seed, address: p.file.address, publicKey };
}

/** Signs message (a string) with the seed's key; returns the signature hex. */
export async function sign(seed, message) {
  const { key } = await importSeed(seed);
  return hex(await crypto.subtle.sign({ name: "Ed25519" }, key, enc.encode(message)));
}
