// Package statesync brings a replica's chain up to date from its peers'
// read APIs, through sdk/client: Fetch downloads committed blocks with their
// certificates, in order, and hands each to the caller; CatchUp polls the
// members' heights and says when this replica is behind.
//
// Nothing a peer serves is trusted here. The caller (node's loop) installs
// every fetched block through pbft.Core.Install, which verifies its commit
// certificate against the membership in force, so a lying peer can waste a
// replica's time but never feed it a block; a height is chased only when at
// least f+1 members report it, so at least one correct member has it.
//
// Goroutines: Fetch and CatchUp.Run block their caller and return when
// their context ends (Fetch also when it is done or gives up); node runs
// Fetch on a goroutine its loop starts and stops, and CatchUp.Run on one
// that Node.Run owns. chainHeight asks the members in parallel, on
// goroutines it waits for before it returns.
package statesync
