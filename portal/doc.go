// Package portal is Careerchain's web application: what everyone who is
// not an operator meets. It serves the public pages (search by wallet
// address or verified e-mail, an address's profile, one career record by
// TxID with a link to its proof bundle), login through OpenID Connect
// (Google in production, the in-process dev issuer in `careerd dev` and
// the tests), server-side sessions, and the wallet page where keys are
// made or imported in the browser and the address is linked to the account.
// Part 3 (verification.go, share.go, credential.go, network.go): each
// record's proof checked step by step in the visitor's browser by the
// light client compiled to WebAssembly (portal/verifier, web/static/verify.js)
// against a genesis the page names and pins; sharing (link, QR code as SVG,
// LinkedIn's add-to-profile link, a print view); export as a W3C
// Verifiable Credential (sdk/vc) and a page that checks proofs and
// credentials; and the live network picture by server-sent events with
// the operator controls for admins.
//
// Shape: one chi router (server.go); handlers return errors that one table
// (errors.go) turns into a page in plain words; html/template parsed once
// from an embedded FS per language and rendered into a buffer
// (render.go); static JavaScript and CSS embedded under names that carry
// their hash (assets.go); messages in one catalog per language
// (i18n.go, web/i18n). The chain is reached only through the Chain
// interface (chain.go), implemented over HTTP in chainhttp.go; the portal's
// own data is behind store.Store.
//
// Invariants:
//   - No private key reaches the server: wallets are made, sealed and
//     opened in the browser (web/static/keyfile.js); the server sees the
//     address, the public key and a signature proving possession.
//   - No page shows raw JSON or a bare status code; every error page says
//     what was wrong and what to do next.
//   - Every state-changing request is a POST carrying the session's CSRF
//     token; a login mints a new session id; logout deletes the session.
//   - Identity is the issuer plus subject; an e-mail is trusted only when
//     the issuer says it is verified.
//   - Every page is sent with a strict Content-Security-Policy (no inline
//     script or style), nosniff, a Referrer-Policy and frame-ancestors none;
//     only the verifier's pages add 'wasm-unsafe-eval', nothing else.
//   - The portal never decides whether a record verifies: the browser does,
//     from the bundle and a genesis whose chain id and hash it shows.
//   - A Server is safe for concurrent use; it owns no goroutines.
package portal
