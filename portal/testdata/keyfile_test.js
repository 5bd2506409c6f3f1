// Runs sdk/chain/testdata/keyfile.json against web/static/keyfile.js in the
// browser; portal/keyfile_browser_test.go reads the results from #out.
const m = await import(new URL(import.meta.url).searchParams.get("m"));
const vectors = await (await fetch("/vectors.json")).json();
const out = { valid: [], invalid: [], fresh: null, errors: [] };
try {
  for (const v of vectors.valid) {
    const text = JSON.stringify(v.file);
    const opened = await m.decryptKeyFile(text, v.passphrase);
    const again = await m.encryptKeyFile(m.unhex(v.seed), v.passphrase, {
      iterations: v.file.kdf.iterations, salt: m.unhex(v.file.kdf.salt), nonce: m.unhex(v.file.cipher.nonce) });
    out.valid.push({ name: v.name, seed: m.hex(opened.seed), address: opened.address, file: again });
  }
  for (const v of vectors.invalid) {
    let kind = "opened";
    try {
      await m.decryptKeyFile(JSON.stringify(v.file), v.passphrase);
    } catch (e) {
      kind = e instanceof m.KeyFileError ? e.kind : "other: " + e.message;
    }
    out.invalid.push({ name: v.name, kind });
  }
  const seed = await m.generateSeed();
  const file = await m.encryptKeyFile(seed, "fresh passphrase 한글");
  out.fresh = { seed: m.hex(seed), file, message: "hello", sig: await m.sign(seed, "hello") };
} catch (e) {
  out.errors.push(String(e && e.stack || e));
}
document.getElementById("out").textContent = JSON.stringify(out);
document.getElementById("done").hidden = false;
