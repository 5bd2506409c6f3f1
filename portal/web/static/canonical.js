// Careerchain's canonical bytes in the browser, byte for byte as sdk/chain
// (canonical.go, typed.go, signing.go) writes them: RFC 8785 canonical JSON
// restricted to safe integers, and the signing bytes of each signed object
// (domain tag + "\n" + canonical JSON). sdk/chain/testdata/vectors.json is
// the contract; portal/canonical_browser_test.go runs every vector through
// this module in Chromium. No dependencies; digests use WebCrypto.

const enc = new TextEncoder();

export const MAX_SAFE_INTEGER = 9007199254740991; // 2^53 − 1

export const TAG_STATEMENT = "careerchain/statement/v1";
export const TAG_RECEIPT = "careerchain/receipt/v1";
export const TAG_ATTESTATION = "careerchain/attestation/v1";
export const TAG_REVOKE = "careerchain/revoke/v1";
export const TAG_CONFIG = "careerchain/config/v1";

/** CanonicalError: a value or JSON text has no canonical form (as chain.ErrCanonical / ErrMalformed). */
export class CanonicalError extends Error {}

function fail(message) {
  throw new CanonicalError(message);
}

// ---- canonical JSON of a JSON text ----------------------------------------

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

// safeInteger checks an integer literal exactly (BigInt: no rounding) and
// returns its value; -0 is 0.
function safeInteger(lit) {
  if (!INTEGER.test(lit)) fail("number " + lit + " is not an integer");
  const n = BigInt(lit);
  if (n > BigInt(MAX_SAFE_INTEGER) || n < -BigInt(MAX_SAFE_INTEGER)) fail("integer " + lit + " is beyond ±(2^53-1)");
  return Number(n);
}

// parse reads one JSON text (RFC 8259, as Go's encoding/json accepts it)
// keeping every number's literal so that 1.0 and 1e2 are refused, not
// rounded. A \u escape of a lone surrogate becomes U+FFFD, as in Go.
function parse(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  const str = () => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const ch = text[i];
      if (ch === '"') {
        i++;
        return wellFormed(out);
      }
      if (ch.charCodeAt(0) < 0x20) fail("control character in string");
      if (ch !== "\\") {
        out += ch;
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === "u") {
        const h = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) fail("invalid \\u escape");
        out += String.fromCharCode(parseInt(h, 16));
        i += 6;
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
        i += 2;
      } else {
        fail("invalid escape in string");
      }
    }
  };
  const value = (depth) => {
    if (depth > 10000) fail("JSON nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj = new Map();
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("object key expected at " + i);
        const k = str();
        ws();
        if (text[i] !== ":") fail("':' expected at " + i);
        i++;
        obj.delete(k); // a repeated key: the last wins, as in Go's map
        obj.set(k, value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("',' or '}' expected at " + i);
      }
    }
    if (c === "[") {
      i++;
      const arr = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("',' or ']' expected at " + i);
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail(i >= text.length ? "unexpected end of JSON input" : "invalid character at " + i);
    i += m[0].length;
    return safeInteger(m[0]);
  };
  const v = value(0);
  ws();
  if (i < text.length) fail("trailing data after JSON value");
  return v;
}

/**
 * canonicalize returns the canonical form of a JSON text (a string, or
 * UTF-8 bytes: invalid UTF-8 is refused) as a string, like Go's
 * chain.Canonical(json.RawMessage(text)). Throws CanonicalError.
 */
export function canonicalize(text) {
  if (typeof text !== "string") {
    if (!(text instanceof Uint8Array || text instanceof ArrayBuffer)) fail("not a JSON text");
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(text);
    } catch {
      fail("invalid UTF-8");
    }
  }
  return canonical(parse(text));
}

// ---- canonical JSON of a JavaScript value ---------------------------------

// wellFormed replaces lone surrogates with U+FFFD (what UTF-8 encoding, and
// Go's decoder, do with them).
function wellFormed(s) {
  return s.toWellFormed ? s.toWellFormed() : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/**
 * canonical returns the canonical JSON of a value made of null, booleans,
 * safe integers, strings, arrays, plain objects and Maps. Keys are sorted
 * by UTF-16 code units (the default sort); strings are escaped as
 * JSON.stringify does, which is RFC 8785's rule. Anything else (a fraction,
 * an unsafe integer, undefined, a function) throws CanonicalError.
 */
export function canonical(v) {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(v)) fail("number " + v + " is not a safe integer");
      return String(v === 0 ? 0 : v);
    case "string":
      return JSON.stringify(wellFormed(v));
    case "object": {
      if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
      const m = new Map();
      for (const [k, x] of entries) {
        if (typeof k !== "string") fail("object key is not a string");
        m.set(wellFormed(k), x);
      }
      const keys = [...m.keys()].sort();
      return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(m.get(k))).join(",") + "}";
    }
    default:
      return fail("cannot canonicalise a " + typeof v);
  }
}

// ---- the chain's objects, shaped as sdk/chain's Go types ------------------

// A field spec: [name, kind, optional]. Shaping keeps only the Go struct's
// fields (an unknown field is an error), gives a missing required field its
// Go zero value, and drops an optional field that is empty (omitempty).
function shape(what, obj, fields) {
  if (obj === null || obj === undefined) obj = {};
  if (typeof obj !== "object" || Array.isArray(obj)) fail(what + " is not an object");
  const known = new Set(fields.map((f) => f[0]));
  for (const k of Object.keys(obj)) if (!known.has(k)) fail(what + ": unknown field " + JSON.stringify(k));
  const out = {};
  for (const [name, kind, optional] of fields) {
    let v = obj[name];
    const where = what + "." + name;
    if (v === undefined || v === null) {
      if (optional) continue;
      v = kind === "string" ? "" : kind === "int" || kind === "uint" ? 0 : kind === "strings" ? [] : v;
    }
    switch (kind) {
      case "string":
        if (typeof v !== "string") fail(where + " is not a string");
        if (optional && v === "") continue;
        break;
      case "int":
        if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(where + " is not a safe integer");
        break;
      case "uint":
      case "uint8":
        if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || (kind === "uint8" && v > 255)) fail(where + " is not a valid unsigned integer");
        break;
      case "strings":
        if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) fail(where + " is not a list of strings");
        if (optional && v.length === 0) continue;
        break;
      case "bytes":
        v = base64(v, where);
        if (v === "") continue;
        break;
      default:
        v = kind(v, where);
        if (Array.isArray(v) && v.length === 0) continue;
    }
    out[name] = v;
  }
  return out;
}

// base64 returns a []byte field as Go's encoding/json writes it (standard
// base64 with padding), from bytes or from that text.
function base64(v, where) {
  if (typeof v === "string") {
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)) fail(where + " is not standard base64");
    return btoa(atob(v)); // the canonical spelling of the same bytes
  }
  if (!(v instanceof Uint8Array)) fail(where + " is neither bytes nor base64");
  let s = "";
  for (const b of v) s += String.fromCharCode(b);
  return btoa(s);
}

const list = (f) => (v, where) => {
  if (!Array.isArray(v)) fail(where + " is not a list");
  return v.map((x, i) => f(x, where + "[" + i + "]"));
};

export const claimBody = (c, what = "claim") =>
  shape(what, c, [["role", "string"], ["organisation", "string"], ["start", "string"], ["end", "string", true],
    ["description", "string", true], ["skills", "strings", true], ["evidence", "strings", true]]);

export const statementBody = (s, what = "statement") =>
  shape(what, s, [["chain_id", "string"], ["type", "string"], ["nonce", "uint"], ["holder", "string"],
    ["holder_key", "string"], ["claim", claimBody], ["supersedes", "string", true]]);

export const receiptBody = (r, what = "receipt") =>
  shape(what, r, [["provider", "string"], ["payment_id", "string"], ["amount", "int"], ["currency", "string"],
    ["claim", "string"], ["issuer", "string"], ["sig", "string"]]);

const attestationFields = (a, what = "attestation") => shape(what, a, [["attester", "string"], ["time", "int"], ["sig", "string"]]);

export const revokeBody = (r, what = "revoke") =>
  shape(what, r, [["chain_id", "string"], ["nonce", "uint"], ["target", "string"], ["reason", "string"], ["by", "string"], ["sig", "string"]]);

export const keyChangeBody = (k, what = "keys") => shape(what, k, [["set", "string"], ["add", "strings", true], ["remove", "strings", true]]);

const pluginBody = (p, what) =>
  shape(what, p, [["name", "string"], ["version", "string"], ["kind", "string"], ["sha256", "string"], ["config", "string", true]]);

export const configBody = (c, what = "config") =>
  shape(what, c, [["chain_id", "string"], ["nonce", "uint"], ["keys", keyChangeBody, true], ["membership", "bytes", true],
    ["leader", "uint", true], ["plugins", list(pluginBody), true], ["pow_difficulty", "uint8", true], ["signer", "string"], ["sig", "string"]]);

const careerBody = (c, what) =>
  shape(what, c, [["statement", statementBody], ["holder_sig", "string"], ["receipt", receiptBody], ["attestation", attestationFields]]);

/** txBody shapes a transaction as chain.Tx; canonical(txBody(tx)) is its encoding. */
export const txBody = (t, what = "tx") =>
  shape(what, t, [["type", "string"], ["career", careerBody, true], ["revoke", revokeBody, true], ["config", configBody, true], ["pow", "uint"]]);

// ---- signing bytes --------------------------------------------------------

/** signingBytes returns tag + "\n" + canonical(body) as UTF-8 bytes. */
export function signingBytes(tag, body) {
  return enc.encode(tag + "\n" + canonical(body));
}

/** The bytes a holder signs for a statement. */
export const statementSigningBytes = (s) => signingBytes(TAG_STATEMENT, statementBody(s));

/** The bytes a payment service signs; the receipt's sig is set to "". */
export const receiptSigningBytes = (r) => signingBytes(TAG_RECEIPT, { ...receiptBody(r), sig: "" });

/** The bytes an attester signs: {"attester","receipt","statement","time"}. */
export function attestationSigningBytes(statementDigest, receiptDigest, time, attester) {
  const body = shape("attestation", { attester, receipt: receiptDigest, statement: statementDigest, time },
    [["attester", "string"], ["receipt", "string"], ["statement", "string"], ["time", "int"]]);
  return signingBytes(TAG_ATTESTATION, body);
}

/** The bytes a revocation's signer signs; its sig is set to "". */
export const revokeSigningBytes = (r) => signingBytes(TAG_REVOKE, { ...revokeBody(r), sig: "" });

/** The bytes a config signer signs; its sig is set to "". */
export const configSigningBytes = (c) => signingBytes(TAG_CONFIG, { ...configBody(c), sig: "" });

/** hex of bytes, lower case. */
export function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** digest returns the hex SHA-256 of bytes (a statement or receipt digest, a TxID). */
export async function digest(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", typeof bytes === "string" ? enc.encode(bytes) : bytes));
}
