package wasm

import (
	"context"

	"github.com/careerchain/careerchain/sdk/middleware"
)

// MiddlewarePlugins runs the submission pipeline's local plugin checks
// (sdk/middleware.Plugins) in Host: the same sandbox, modules and limits
// the replicas use, so a claim they would reject fails fast with the same
// reason. It is as safe for concurrent use as Host.
type MiddlewarePlugins struct{ Host *Host }

var _ middleware.Plugins = MiddlewarePlugins{}

// Evaluate implements middleware.Plugins.
func (p MiddlewarePlugins) Evaluate(ctx context.Context, name string, in middleware.PluginInput) middleware.PluginResult {
	r := p.Host.Evaluate(ctx, name, Input{ChainID: in.ChainID, Height: in.Height, Time: in.Time, Tx: in.Tx})
	return middleware.PluginResult{Plugin: r.Plugin, Verdict: r.Verdict, Fault: r.Fault, Code: r.Code, Reason: r.Reason, ScorePPM: r.ScorePPM}
}
