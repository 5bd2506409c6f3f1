// Package client is the Careerchain /api/v1 contract: the wire types of
// the replica's and the MSP's JSON APIs (one declaration each; the servers
// encode these very types), the error codes they answer with, and one
// typed Client that calls them.
//
// A Client talks to one base URL (a replica or the MSP). Every call takes
// a context; each attempt is bounded by Options.Timeout; calls that are
// safe to repeat (every GET) are retried on an unreachable server, a busy
// one (503) or a gateway timeout (504), with a doubling pause. Submissions
// and admin calls are never repeated by the client: the submission
// pipeline (package sdk/middleware) decides when a resubmission is safe.
//
// Errors: a refusal is an *Error carrying the status, the wire Code and
// the server's message; it matches errors.Is against the category
// sentinels (ErrNotFound, ErrInvalid, ErrBusy, ...) and against its Code
// (every Code is an error value). A server that cannot be reached is
// ErrUnreachable; an answer that cannot be decoded is ErrBadResponse.
//
// Invariants:
//   - A wire type is declared here and nowhere else; the JSON field names
//     are the contract and change only with a new API version.
//   - No package-level state; a Client is safe for concurrent use.
//   - Responses are read up to a bound (Options.MaxResponseBytes; raw
//     blocks MaxRawBlockBytes), so a hostile server cannot exhaust memory.
package client
