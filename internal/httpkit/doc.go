// Package httpkit is what every Careerchain HTTP server shares: the
// replica API, the MSP and (when it comes) the portal. It builds the
// http.Server with read-header, read, write and idle timeouts
// (server.go), bounds the connections one client address may hold open
// (limit.go), and reads request bodies so that a body that is too large,
// cut short or too slow is the client's error, never an internal one
// (body.go).
//
// Invariants:
//   - Every server built here has every timeout set: no connection is held
//     by a client that sends nothing, trickles its body or never reads the
//     answer. A handler that legitimately answers later than WriteTimeout
//     (a long poll) must be given a larger WriteTimeout by its owner.
//   - The package holds no global state; every limit comes from Options.
package httpkit
