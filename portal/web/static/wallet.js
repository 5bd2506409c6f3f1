// The wallet page: make a key or open a key file, in this browser, then
// link its address to the account by signing the page's challenge. Only
// the address, the public key and the signature leave the browser.
import { addressFromKey, decryptKeyFile, encryptKeyFile, generateSeed, hex, importSeed, sign, supported, KeyFileError } from "./keyfile.js";

function msg(el, name, vars = {}) {
  let s = el.dataset["msg" + name[0].toUpperCase() + name.slice(1)] || name;
  for (const [k, v] of Object.entries(vars)) s = s.replace("{" + k + "}", v);
  return s;
}

function say(el, text, bad = false) {
  el.textContent = text;
  el.classList.toggle("bad", bad);
}

async function fillLink(seed, what, imported, again) {
  const form = document.getElementById("link-form");
  const { publicKey } = await importSeed(seed);
  const address = await addressFromKey(publicKey);
  const message = form.dataset.tag + "\n" + form.dataset.challenge + "\n" + address;
  form.elements.address.value = address;
  form.elements.public_key.value = hex(publicKey);
  form.elements.signature.value = await sign(seed, message);
  form.elements.imported.value = imported ? "1" : "0";
  document.getElementById("link-what").textContent = what;
  document.getElementById("link-address").textContent = address;
  const dl = document.getElementById("download-again");
  dl.hidden = !again;
  if (again) dl.onclick = again;
  // The step is done: what is left is the link, at the top of the page.
  document.getElementById("create").hidden = true;
  document.getElementById("import").hidden = true;
  form.hidden = false;
  form.scrollIntoView({ behavior: "smooth", block: "start" });
  document.getElementById("link-button").focus({ preventScroll: true });
  return address;
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export async function initWallet() {
  const create = document.getElementById("create");
  const imp = document.getElementById("import");
  if (!create || !imp) return;
  if (!(await supported())) {
    document.getElementById("no-webcrypto").hidden = false;
    for (const b of document.querySelectorAll("#create button, #import button")) b.disabled = true;
    return;
  }
  const cstatus = document.getElementById("create-status");
  document.getElementById("create-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const p1 = document.getElementById("pass1").value;
    const p2 = document.getElementById("pass2").value;
    if (p1.length < 10) return say(cstatus, msg(create, "short"), true);
    if (p1 !== p2) return say(cstatus, msg(create, "mismatch"), true);
    const button = document.getElementById("create-button");
    button.disabled = true;
    say(cstatus, msg(create, "working"));
    try {
      const seed = await generateSeed();
      const text = await encryptKeyFile(seed, p1);
      const address = JSON.parse(text).address;
      const name = "careerchain-key-" + address.slice(0, 15) + ".json";
      download(name, text);
      const done = msg(create, "downloaded", { file: name });
      say(cstatus, done);
      await fillLink(seed, done, false, () => download(name, text));
    } catch (e) {
      say(cstatus, msg(create, "failed", { error: e.message }), true);
      button.disabled = false;
    }
  });
  const istatus = document.getElementById("import-status");
  document.getElementById("import-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("keyfile").files[0];
    if (!file) return;
    say(istatus, msg(imp, "working"));
    try {
      const { seed } = await decryptKeyFile(await file.text(), document.getElementById("import-pass").value);
      say(istatus, msg(imp, "opened"));
      await fillLink(seed, msg(imp, "opened"), true, null);
    } catch (e) {
      if (e instanceof KeyFileError) say(istatus, msg(imp, e.kind === "passphrase" ? "wrongpass" : "badfile"), true);
      else say(istatus, msg(imp, "failed", { error: e.message }), true);
    }
  });
}
