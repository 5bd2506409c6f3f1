// Runs sdk/chain/testdata/vectors.json (and the Go test's extra inputs)
// against web/static/canonical.js in the browser;
// portal/canonical_browser_test.go reads the results from #out and
// compares them with the vectors.
const m = await import(new URL(import.meta.url).searchParams.get("m"));
const vectors = await (await fetch("/vectors.json")).json();
const extra = await (await fetch("/extra.json")).json();
const out = { canonical: [], extra: [], signatures: [], transactions: [], errors: [] };

function attempt(f) {
  try {
    return { output: f() };
  } catch (e) {
    return { error: e instanceof m.CanonicalError ? "canonical" : "other: " + e.message };
  }
}

const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));

async function verify(publicKey, sig, bytes) {
  try {
    const key = await crypto.subtle.importKey("raw", unhex(publicKey), { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, unhex(sig), bytes);
  } catch (e) {
    return "verify: " + e.message;
  }
}

const signers = {
  statement: (o) => m.statementSigningBytes(o),
  receipt: (o) => m.receiptSigningBytes(o),
  attestation: (o) => m.attestationSigningBytes(o.statement, o.receipt, o.time, o.attester),
  revoke: (o) => m.revokeSigningBytes(o),
  config: (o) => m.configSigningBytes(o),
  config_keys: (o) => m.configSigningBytes(o),
};

try {
  for (const v of vectors.canonical) out.canonical.push({ name: v.name, ...attempt(() => m.canonicalize(v.input)) });
  for (const v of extra) out.extra.push({ name: v.name, ...attempt(() => m.canonicalize(v.input)) });
  const digests = {};
  for (const v of vectors.signatures) {
    const r = { name: v.name };
    const sign = signers[v.name];
    if (!sign) {
      r.error = "no signing function for " + v.name;
    } else {
      try {
        const bytes = sign(v.object);
        r.signing_bytes = m.hex(bytes);
        r.digest = await m.digest(bytes);
        r.verified = await verify(v.public_key, v.signature, bytes);
        // The generic path, tag + "\n" + canonical(object), gives the same bytes.
        r.generic = m.hex(m.signingBytes(v.tag, v.object));
        digests[v.name] = r.digest;
      } catch (e) {
        r.error = String(e && e.stack || e);
      }
    }
    out.signatures.push(r);
  }
  // The receipt pays for the statement, and the attestation names both.
  const sig = Object.fromEntries(vectors.signatures.map((v) => [v.name, v.object]));
  out.links = {
    receipt_claim: sig.receipt?.claim === digests.statement,
    attestation_statement: sig.attestation?.statement === digests.statement,
    attestation_receipt: sig.attestation?.receipt === digests.receipt,
  };
  for (const v of vectors.transactions) {
    const r = { name: v.name };
    try {
      r.canonical = m.canonicalize(v.encoding);
      r.typed = m.canonical(m.txBody(JSON.parse(v.encoding)));
      r.txid = await m.digest(v.encoding);
    } catch (e) {
      r.error = String(e && e.stack || e);
    }
    out.transactions.push(r);
  }
} catch (e) {
  out.errors.push(String(e && e.stack || e));
}
document.getElementById("out").textContent = JSON.stringify(out);
document.getElementById("done").hidden = false;
