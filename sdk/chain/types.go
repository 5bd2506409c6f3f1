package chain

// Transaction types. A type names what a transaction does; its body field
// (Career, Revoke or Config) carries the data.
const (
	TypeRegister = "career.register" // a new career record
	TypeAmend    = "career.amend"    // a new version of a record; Career.Supersedes names the old TxID
	TypeRevoke   = "career.revoke"   // marks a record revoked; the record stays
	TypeConfig   = "config.change"   // membership, leader, plugin set, PoW difficulty or a key set
)

// Claim is what a freelancer states about one engagement. Dates are
// calendar dates "YYYY-MM-DD"; End is empty while the engagement goes on.
// Evidence holds digests of files kept off chain, each "sha256:<64 hex>".
type Claim struct {
	Role         string   `json:"role"`
	Organisation string   `json:"organisation"`
	Start        string   `json:"start"`
	End          string   `json:"end,omitempty"`
	Description  string   `json:"description,omitempty"`
	Skills       []string `json:"skills,omitempty"`
	Evidence     []string `json:"evidence,omitempty"`
}

// Receipt proves that a claim's fee was paid. The portal's payment service
// issues it after the provider confirmed the payment and signs it with its
// Ed25519 key, which the chain config registers. Claim is the hex digest of
// the holder's signed statement (Statement.Digest) the payment is for.
type Receipt struct {
	Provider  string `json:"provider"`
	PaymentID string `json:"payment_id"`
	Amount    int64  `json:"amount"`   // in the currency's minor unit
	Currency  string `json:"currency"` // ISO 4217, upper case
	Claim     string `json:"claim"`
	Issuer    string `json:"issuer"` // hex Ed25519 public key of the payment service
	Sig       string `json:"sig"`    // hex Ed25519 signature over ReceiptSigningBytes
}

// Attestation is an admin's approval of a claim: the attester signs the
// statement digest and the receipt digest at a time (Unix seconds).
type Attestation struct {
	Attester string `json:"attester"` // hex Ed25519 public key
	Time     int64  `json:"time"`
	Sig      string `json:"sig"`
}

// Statement is the part of a career transaction the holder signs: who,
// what, on which chain, with a nonce that makes every statement unique.
type Statement struct {
	ChainID    string `json:"chain_id"`
	Type       string `json:"type"` // TypeRegister or TypeAmend
	Nonce      uint64 `json:"nonce"`
	Holder     string `json:"holder"`     // address
	HolderKey  string `json:"holder_key"` // hex Ed25519 public key
	Claim      Claim  `json:"claim"`
	Supersedes string `json:"supersedes,omitempty"` // TxID, for TypeAmend
}

// Career is the body of career.register and career.amend.
type Career struct {
	Statement   Statement   `json:"statement"`
	HolderSig   string      `json:"holder_sig"`
	Receipt     Receipt     `json:"receipt"`
	Attestation Attestation `json:"attestation"`
}

// Revoke is the body of career.revoke, signed by the holder or the attester
// of the target record.
type Revoke struct {
	ChainID string `json:"chain_id"`
	Nonce   uint64 `json:"nonce"`
	Target  string `json:"target"` // TxID of the record
	Reason  string `json:"reason"`
	By      string `json:"by"` // hex Ed25519 public key
	Sig     string `json:"sig"`
}

// PluginRef pins one Wasm module of the active plugin set.
type PluginRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Kind    string `json:"kind"`   // "validator", "payment" or "scorer"
	SHA256  string `json:"sha256"` // hex digest of the module bytes
	Config  string `json:"config,omitempty"`
}

// Config is the body of config.change. Exactly one of its parts is set.
type Config struct {
	ChainID       string      `json:"chain_id"`
	Nonce         uint64      `json:"nonce"`
	Keys          *KeyChange  `json:"keys,omitempty"`       // attester or payment-issuer set
	Membership    []byte      `json:"membership,omitempty"` // pbft membership encoding
	Leader        *uint64     `json:"leader,omitempty"`     // replica ID to make primary
	Plugins       []PluginRef `json:"plugins,omitempty"`
	PoWDifficulty *uint8      `json:"pow_difficulty,omitempty"`
	Signer        string      `json:"signer"` // hex Ed25519 key named by genesis as MSP/operator
	Sig           string      `json:"sig"`
}

// Tx is one transaction. TxID is the SHA-256 of its canonical encoding.
// PoW is the hashcash stamp: a counter such that the stamp hash has at
// least the chain's difficulty leading zero bits.
type Tx struct {
	Type   string  `json:"type"`
	Career *Career `json:"career,omitempty"`
	Revoke *Revoke `json:"revoke,omitempty"`
	Config *Config `json:"config,omitempty"`
	PoW    uint64  `json:"pow"`
}
