// The verifier page's form: a pasted or uploaded proof bundle is checked
// as the career page checks one; a Verifiable Credential is checked in two
// parts, its proof and then the chain record its evidence names (the
// record's bundle, fetched from this portal and verified in the browser
// like any other).

function say(text, cls) {
  const s = document.getElementById("verify-summary");
  s.hidden = false;
  s.className = "verdict " + cls;
  s.textContent = text;
  document.getElementById("verify-progress").hidden = true;
}

export async function submitCheck(root, h) {
  const t = document.getElementById("verify-strings").dataset;
  const text = h.input.value.trim();
  document.getElementById("credential-result").hidden = true;
  if (!text) return say(t.empty, "bad");
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return say(t.notjson, "bad");
  }
  const own = await h.readFile(h.genesisInput);
  const genesis = own || (await h.portalGenesis());
  if (!genesis) return say(t.needgenesis, "bad");
  if (!doc || !doc.proof || !Array.isArray(doc.evidence)) {
    return h.run(text, genesis, Boolean(own));
  }
  // A credential: its proof, then the record behind it.
  const ev = doc.evidence[0] || {};
  let bundle = "";
  if (/^[0-9a-f]{64}$/.test(ev.txid || "")) {
    try {
      bundle = await h.fetchText("/tx/" + ev.txid + "/proof");
    } catch (e) {
      bundle = "";
    }
  }
  await h.check(root, "{}", genesis); // loads the verifier module, once
  const res = JSON.parse(globalThis.careerchainVerifyCredential(text, bundle, genesis));
  const box = document.getElementById("credential-result");
  const list = document.getElementById("credential-steps");
  box.hidden = false;
  list.replaceChildren();
  const row = (ok, title, detail) => {
    const li = document.createElement("li");
    li.className = ok ? "ok" : "bad";
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.textContent = ok ? "✓" : "✗";
    const body = document.createElement("div");
    const b = document.createElement("strong");
    b.textContent = title;
    const p = document.createElement("p");
    p.className = "detail small";
    p.textContent = detail;
    body.append(b, p);
    li.append(mark, body);
    list.append(li);
  };
  row(res.proof_ok, t.vcProof, res.proof_ok ? t.vcProofOk : res.proof_error);
  if (res.proof_ok) row(res.ok, t.vcRecord, res.ok ? t.vcRecordOk : res.record_error);
  if (res.record && res.record.steps && res.record.steps.length) h.show(res.record, Boolean(own));
  root.dataset.credential = res.ok ? res.state : "bad";
  if (res.ok && res.state === "revoked") say(t.vcRevoked, "bad");
  else if (res.ok && res.state === "amended") say(t.vcAmended, "bad");
  else if (res.ok) say(t.vcOk, "ok");
  else say(t.vcBad, "bad");
}
