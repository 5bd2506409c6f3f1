// The portal's script: pages work without it; the wallet page needs it to
// make and open keys.
import { initWallet } from "./wallet.js";

initWallet();
