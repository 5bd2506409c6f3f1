// The in-browser verifier: it loads the light client (sdk/verify compiled
// to WebAssembly, portal/verifier) with Go's wasm_exec.js, feeds it a proof
// bundle and a genesis file, and shows the ordered steps. The portal only
// serves files: the verdict is computed here. The genesis the portal offers
// is pinned in this browser (localStorage) the first time it is used, and
// a different one for the same chain later is shown as a warning, never as
// a pass.

const root = document.getElementById("verify");
if (root) init(root);

let verifier; // Promise of the careerchainVerify function

function loadVerifier(wasmURL, supportURL) {
  if (!verifier) {
    verifier = (async () => {
      if (!globalThis.Go) {
        await new Promise((resolve, reject) => {
          const s = document.createElement("script");
          s.src = supportURL;
          s.onload = resolve;
          s.onerror = () => reject(new Error("the verifier's support script did not load."));
          document.head.append(s);
        });
      }
      const go = new globalThis.Go();
      const ready = new Promise((resolve) => addEventListener("careerchain-verifier-ready", resolve, { once: true }));
      const resp = await fetch(wasmURL);
      if (!resp.ok) throw new Error("the verifier module did not load (" + resp.status + ").");
      const { instance } = await WebAssembly.instantiateStreaming(resp, go.importObject);
      go.run(instance);
      await ready;
      return globalThis.careerchainVerify;
    })();
  }
  return verifier;
}

// strings reads the page's messages (the hidden #verify-strings list).
function strings() {
  const el = document.getElementById("verify-strings");
  const steps = {};
  for (const li of el.querySelectorAll("li[data-step]")) {
    steps[li.dataset.step] = { title: li.textContent, pass: li.dataset.pass, fail: li.dataset.fail };
  }
  return { ...el.dataset, steps, order: Object.keys(steps) };
}

function fill(s, args) {
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in args ? String(args[k]) : m));
}

function dateOf(ms, lang) {
  if (!ms) return "";
  return new Date(ms).toLocaleString(lang === "ko" ? "ko-KR" : "en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

function shortKey(k) {
  return k && k.length > 16 ? k.slice(0, 10) + "…" + k.slice(-6) : k || "";
}

// check runs the verifier on a bundle (text) against a genesis (text)
// and returns its result object.
export async function check(root, bundle, genesis) {
  const fn = await loadVerifier(root.dataset.wasm, root.dataset.support);
  return JSON.parse(fn(bundle, genesis));
}

// trustLine judges the genesis a result used: the portal's is pinned on
// first use; "changed" means the portal now offers another one.
function trustOf(res, own) {
  if (own) return { kind: "own" };
  const key = "careerchain-genesis:" + res.chain_id;
  let pinned = null;
  try { pinned = localStorage.getItem(key); } catch (e) { /* storage off: nothing to compare with */ }
  if (pinned && pinned !== res.genesis_hash) return { kind: "changed", pinned };
  if (!pinned) {
    try { localStorage.setItem(key, res.genesis_hash); } catch (e) { /* storage off */ }
    return { kind: "pinned" };
  }
  return { kind: "known" };
}

// show renders a result into the page's result elements.
export function show(res, own) {
  const t = strings();
  const progress = document.getElementById("verify-progress");
  const summary = document.getElementById("verify-summary");
  const list = document.getElementById("verify-steps");
  const trust = document.getElementById("verify-trust");
  const state = document.getElementById("verify-state");
  progress.hidden = true;
  list.replaceChildren();
  state.hidden = true;
  trust.hidden = true;
  if (res.error) {
    summary.hidden = false;
    summary.className = "verdict bad";
    summary.textContent = fill(t.broken, { error: res.error });
    root.dataset.result = "error";
    return;
  }
  const tr = trustOf(res, own);
  const ran = new Map(res.steps.map((s) => [s.name, s]));
  for (const name of t.order) {
    const s = ran.get(name);
    const li = document.createElement("li");
    li.dataset.step = name;
    li.className = s ? (s.ok ? "ok" : "bad") : "skipped";
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = s ? (s.ok ? "✓" : "✗") : "–";
    const body = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = t.steps[name].title;
    const line = document.createElement("p");
    line.textContent = s ? (s.ok ? t.steps[name].pass : t.steps[name].fail) : t.skipped;
    body.append(title, line);
    if (s) {
      const detail = document.createElement("p");
      detail.className = "detail small";
      detail.textContent = s.text;
      body.append(detail);
    }
    li.append(mark, body);
    list.append(li);
  }
  const ok = res.ok && tr.kind !== "changed";
  summary.hidden = false;
  summary.className = "verdict " + (ok ? "ok" : "bad");
  summary.textContent = res.ok ? t.ok : fill(t.bad, { step: t.steps[res.failed] ? t.steps[res.failed].title : res.failed });
  trust.hidden = false;
  trust.className = "small trust " + (tr.kind === "changed" ? "alert" : "muted");
  trust.textContent = fill(t[tr.kind], { chain: res.chain_id, hash: res.genesis_hash, pinned: tr.pinned || "" });
  if (tr.kind === "changed") summary.textContent = trust.textContent;
  if (res.ok) {
    const st = res.status || {};
    state.hidden = false;
    state.replaceChildren();
    if (st.state === "revoked") {
      state.className = "alert";
      state.textContent = fill(t.revoked, { date: dateOf(res.status_time, t.lang), who: res.revoked_as === "attester" ? t.attester : t.holder,
        key: shortKey(st.revoker), reason: st.reason || "" });
    } else if (st.state === "amended") {
      state.className = "note";
      const a = document.createElement("a");
      a.href = "/tx/" + st.by;
      a.textContent = t.newer;
      state.append(fill(t.amended, { date: dateOf(res.status_time, t.lang) }) + " ", a);
    } else {
      state.className = "note ok";
      state.textContent = fill(t.active, { height: st.as_of });
    }
  }
  root.dataset.result = ok ? "ok" : "bad";
  root.dataset.failed = res.failed || "";
}

async function fetchText(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(url + " answered " + r.status + ".");
  return r.text();
}

async function readFile(input) {
  const f = input && input.files && input.files[0];
  return f ? f.text() : "";
}

async function init(root) {
  const form = document.getElementById("verify-form");
  const run = async (bundle, genesis, own) => {
    const progress = document.getElementById("verify-progress");
    progress.hidden = false;
    progress.textContent = strings().running;
    delete root.dataset.result;
    try {
      const res = await check(root, bundle, genesis);
      // On a record's page the proof must be that record's: a valid proof
      // of another record proves nothing about this one.
      const want = root.dataset.auto && root.dataset.txid;
      if (want && !res.error && res.txid !== want) {
        res.ok = false;
        res.failed = "format";
        res.steps = [{ name: "format", ok: false, text: "The proof file is for record " + (res.txid || "(none)") + ", not for this record " + want + "." }];
      }
      show(res, own);
    } catch (e) {
      show({ error: e.message, steps: [] }, own);
    }
  };
  const portalGenesis = () => (root.dataset.genesis ? fetchText(root.dataset.genesis) : Promise.resolve(""));
  if (form) {
    document.getElementById("verify-progress").hidden = true;
    const input = document.getElementById("verify-input");
    document.getElementById("verify-file").addEventListener("change", async (ev) => {
      input.value = await readFile(ev.target);
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      delete root.dataset.result;
      delete root.dataset.failed;
      delete root.dataset.credential;
      const { submitCheck } = await import("./credential.js");
      await submitCheck(root, { input, genesisInput: document.getElementById("verify-genesis"), run, portalGenesis, readFile, fetchText, check, show });
    });
  }
  if (root.dataset.auto && root.dataset.txid) {
    try {
      const [bundle, genesis] = await Promise.all([fetchText("/tx/" + root.dataset.txid + "/proof"), portalGenesis()]);
      if (form) document.getElementById("verify-input").value = bundle;
      await run(bundle, genesis, false);
    } catch (e) {
      show({ error: e.message, steps: [] }, false);
    }
  }
}
