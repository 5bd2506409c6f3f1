module github.com/careerchain/careerchain

go 1.26.0

require (
	github.com/cloudflare/circl v1.6.5
	github.com/go-chi/chi/v5 v5.5.0
	github.com/quic-go/quic-go v0.65.0
	github.com/tetratelabs/wazero v1.12.0
	go.etcd.io/bbolt v1.5.0
	golang.org/x/sys v0.47.0
	golang.org/x/term v0.45.0
)

require (
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/net v0.56.0 // indirect
)
