// The claim pages' script: evidence fingerprints and a draft that survives
// a reload on the form; the signature of a statement or a revocation,
// made in this browser with the key file (or a key kept open for this
// browser session). Only signatures leave the browser, never the key.
import { canonical, hex, revokeBody, statementBody, TAG_REVOKE, TAG_STATEMENT } from "./canonical.js";
import { decryptKeyFile, sign, unhex, KeyFileError } from "./keyfile.js";

function msg(el, name, vars = {}) {
  let s = el.dataset["msg" + name[0].toUpperCase() + name.slice(1)] || name;
  for (const [k, v] of Object.entries(vars)) s = s.replace("{" + k + "}", v);
  return s;
}

function say(el, text, bad = false) {
  el.textContent = text;
  el.classList.toggle("bad", bad);
}

// ---- the new-career form ---------------------------------------------------

const EXT = { pdf: 1, png: 1, jpg: 1, jpeg: 1, txt: 1 };

function initForm(form) {
  const key = "cc-draft-" + form.dataset.draft;
  const status = document.getElementById("form-status");
  const fields = ["role", "organisation", "start", "end", "description", "skills"];
  // A reload (or a crash of the tab) keeps what was typed; saving clears it.
  const saved = sessionStorage.getItem(key);
  if (saved && !document.getElementById("form-problem")) {
    try {
      const v = JSON.parse(saved);
      let restored = false;
      for (const f of fields) {
        if (typeof v[f] === "string" && v[f] !== form.elements[f].value) {
          form.elements[f].value = v[f];
          restored = true;
        }
      }
      if (restored) say(status, msg(form, "restored"));
    } catch { sessionStorage.removeItem(key); }
  }
  form.addEventListener("input", () => {
    const v = {};
    for (const f of fields) v[f] = form.elements[f].value;
    sessionStorage.setItem(key, JSON.stringify(v));
  });
  const input = form.elements.evidence;
  const list = document.getElementById("file-digests");
  const maxBytes = Number(form.dataset.maxBytes), maxFiles = Number(form.dataset.maxFiles);
  let hashing = Promise.resolve(true);
  input.addEventListener("change", () => {
    hashing = (async () => {
      list.textContent = "";
      form.elements.evidence_sha256.value = "";
      const files = Array.from(input.files);
      const kept = form.querySelectorAll('input[name="remove"]:not(:checked)').length;
      if (files.length + kept > maxFiles) { say(status, msg(form, "many", { n: maxFiles }), true); return false; }
      const sums = [];
      for (const f of files) {
        const ext = f.name.split(".").pop().toLowerCase();
        if (f.size > maxBytes) { say(status, msg(form, "size", { name: f.name, size: form.dataset.maxSize }), true); return false; }
        if (!EXT[ext]) { say(status, msg(form, "type", { name: f.name }), true); return false; }
        const sum = hex(await crypto.subtle.digest("SHA-256", await f.arrayBuffer()));
        sums.push(sum);
        const li = document.createElement("li");
        li.textContent = f.name + " — sha256:" + sum;
        list.append(li);
      }
      form.elements.evidence_sha256.value = sums.join(",");
      say(status, "");
      return true;
    })();
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!(await hashing)) return;
    sessionStorage.removeItem(key);
    form.querySelector("button[type=submit]").disabled = true;
    form.submit();
  });
}

// ---- signing ---------------------------------------------------------------

const SESSION_KEY = (address) => "cc-key-" + address;

// openKey returns the seed of the form's wallet: the key kept for this
// session, or the key file opened with its passphrase.
async function openKey(form) {
  const address = form.dataset.address;
  const kept = sessionStorage.getItem(SESSION_KEY(address));
  if (kept) return unhex(kept);
  const file = document.getElementById("keyfile").files[0];
  const pass = document.getElementById("pass").value;
  if (!file || !pass) throw new Error(msg(form, "nokey"));
  let k;
  try {
    k = await decryptKeyFile(await file.text(), pass);
  } catch (e) {
    if (e instanceof KeyFileError) throw new Error(msg(form, e.kind === "passphrase" ? "wrongpass" : "badfile"));
    throw e;
  }
  if (k.address !== address) throw new Error(msg(form, "otherkey"));
  if (document.getElementById("keep").checked) sessionStorage.setItem(SESSION_KEY(address), hex(k.seed));
  return k.seed;
}

function initKeyChoice(form) {
  const kept = sessionStorage.getItem(SESSION_KEY(form.dataset.address));
  document.getElementById("session-key").hidden = !kept;
  document.getElementById("keyfile-fields").hidden = !!kept;
  document.getElementById("forget-key").onclick = () => {
    sessionStorage.removeItem(SESSION_KEY(form.dataset.address));
    initKeyChoice(form);
  };
}

function onSign(form, makeMessage, field) {
  initKeyChoice(form);
  const status = document.getElementById("sign-status");
  let done = false;
  form.addEventListener("submit", async (ev) => {
    if (done) return; // the signature is in: let the browser post it
    ev.preventDefault();
    if (!form.reportValidity()) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say(status, msg(form, "working"));
    try {
      const message = makeMessage();
      const seed = await openKey(form);
      form.elements[field].value = await sign(seed, message);
      done = true;
      form.submit();
    } catch (e) {
      say(status, e.message || msg(form, "failed"), true);
      button.disabled = false;
    }
  });
}

function initSign(form) {
  onSign(form, () => {
    // The bytes are built here from the statement, as sdk/chain builds
    // them, and must equal the bytes the page shows.
    const message = TAG_STATEMENT + "\n" + canonical(statementBody(JSON.parse(form.dataset.statement)));
    if (message !== form.dataset.bytes) throw new Error(msg(form, "mismatch"));
    return message;
  }, "holder_sig");
}

function initRevoke(form) {
  onSign(form, () => {
    const r = { chain_id: form.dataset.chain, nonce: Number(form.elements.nonce.value), target: form.dataset.target,
      reason: form.elements.reason.value.trim(), by: form.dataset.by, sig: "" };
    form.elements.reason.value = r.reason;
    return TAG_REVOKE + "\n" + canonical(revokeBody(r));
  }, "sig");
}

export function initClaims() {
  // Logging out forgets every key kept open in this browser.
  for (const f of document.querySelectorAll('form[action="/logout"]')) {
    f.addEventListener("submit", () => {
      for (const k of Object.keys(sessionStorage)) if (k.startsWith("cc-key-")) sessionStorage.removeItem(k);
    });
  }
  const form = document.getElementById("claim-form");
  if (form) initForm(form);
  const s = document.getElementById("sign-form");
  if (s) initSign(s);
  const r = document.getElementById("revoke-form");
  if (r) initRevoke(r);
}
