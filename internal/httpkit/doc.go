// Package httpkit is what every Careerchain HTTP server shares: the
// replica API, the MSP and (when it comes) the portal.
//
//   - server.go builds the http.Server with read-header, read, write and
//     idle timeouts; limit.go bounds the connections one client address
//     may hold open; body.go reads request bodies so that a body that is
//     too large, cut short or too slow is the client's error.
//   - Handlers return errors (HandlerFunc); a Responder answers them
//     through the one error table (table.go: every wire code of
//     sdk/client with its one status, and the foreign sentinels that map
//     to it). Packages declare their sentinels with Sentinel so the table
//     knows them without importing them; Error gives one failure a code
//     of its own, and a message for the caller apart from the detail that
//     is only logged.
//   - Middleware (type Middleware), one per file: Recover, RequestID,
//     AccessLog, LimitBody; Chain composes them.
//   - JSON helpers: WriteJSON (encoded whole before the first byte is
//     written), DecodeJSON and Strict (no unknown fields, no trailing data).
//
// Invariants:
//   - Every server built here has every timeout set: no connection is held
//     by a client that sends nothing, trickles its body or never reads the
//     answer. A handler that legitimately answers later than WriteTimeout
//     (a long poll) must be given a larger WriteTimeout by its owner.
//   - An error the table does not know is a 500 whose body says
//     "internal error" and nothing else; its detail goes to the log.
//   - A wire code has one status, whichever server answers it.
//   - The package holds no mutable global state; every limit comes from
//     Options or arguments.
package httpkit
