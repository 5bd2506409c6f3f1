// Command authenticity-scorer is the scorer plugin: it scores how authentic
// a career claim looks, in parts per million, with a logistic regression
// over claim features (text statistics, dates, evidence and skills counts)
// run in fixed-point integer arithmetic (plugins/internal/authscore). The
// weights in weights_gen.go come from
//
//	go run ./plugins/authenticity-scorer/train
//
// The score informs the admin; it decides nothing, so the verdict is
// always accept (malformed input aside, which the SDK rejects).
package main

import (
	"github.com/careerchain/careerchain/plugins/internal/authscore"
	"github.com/careerchain/careerchain/sdk/plugin"
)

var _ = plugin.Register(score)

func score(in plugin.Input) plugin.Output {
	if !in.HasCareer {
		return plugin.Score(0)
	}
	return plugin.Score(model.Score(authscore.Features(in.Statement.Claim, in.Time)))
}

func main() {}
