// The portal's script: pages work without it; the wallet page needs it to
// make and open keys, the claim pages to fingerprint files and sign.
import { initWallet } from "./wallet.js";
import { initClaims } from "./claims.js";

initWallet();
initClaims();
