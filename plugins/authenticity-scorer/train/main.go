// Command train fits the authenticity scorer's logistic regression on a
// labelled synthetic data set it generates deterministically from a seed,
// reports accuracy on a held-out split (of the float model and of the
// fixed-point model the plugin runs), and writes the Q12 weights and the
// sigmoid table into the Go file the plugin compiles in.
//
//	go run ./plugins/authenticity-scorer/train -out plugins/authenticity-scorer/weights_gen.go
//
// The same seed and Go version always produce the same file.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"io"
	"math"
	"os"

	"github.com/careerchain/careerchain/plugins/internal/authscore"
)

// Training parameters.
const (
	DefaultSeed = 20240501
	samples     = 4000
	holdout     = 4 // one sample in holdout goes to the test split
	epochs      = 600
	rate        = 0.5
	l2          = 1e-4
)

func main() {
	seed := flag.Uint64("seed", DefaultSeed, "seed of the synthetic data set")
	out := flag.String("out", "plugins/authenticity-scorer/weights_gen.go", "generated Go file")
	flag.Parse()
	src, rep, err := Train(*seed)
	if err == nil {
		err = os.WriteFile(*out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
	rep.Print(os.Stdout)
	fmt.Println("wrote", *out)
}

// Report is what training measured.
type Report struct {
	Seed                  uint64
	Train, Test           int
	FloatAcc, FixedAcc    float64 // on the test split
	FixedTrainAcc         float64
	Weights               [authscore.NumFeatures]float64
	TruePos, FalsePos     int // fixed-point model on the test split, threshold 0.5
	TrueNeg, FalseNeg     int
	MaxScoreDiffPPMOnTest int64 // |fixed - float| score, ppm
}

// Print writes the report for people.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "seed %d: %d training, %d held-out samples\n", r.Seed, r.Train, r.Test)
	fmt.Fprintf(w, "held-out accuracy: float %.2f%%, fixed-point %.2f%% (training %.2f%%)\n",
		100*r.FloatAcc, 100*r.FixedAcc, 100*r.FixedTrainAcc)
	fmt.Fprintf(w, "held-out confusion (fixed-point): TP %d FP %d TN %d FN %d; max |fixed-float| %d ppm\n",
		r.TruePos, r.FalsePos, r.TrueNeg, r.FalseNeg, r.MaxScoreDiffPPMOnTest)
	for i, wt := range r.Weights {
		fmt.Fprintf(w, "  %-12s %+.3f\n", authscore.FeatureNames[i], wt)
	}
}

// Train generates the data set from seed, fits the model and returns the
// generated Go source and the report.
func Train(seed uint64) ([]byte, Report, error) {
	data := Generate(seed, samples)
	var train, test []Sample
	for i, s := range data {
		if (i/2)%holdout == 0 { // whole pairs, so both classes are held out
			test = append(test, s)
		} else {
			train = append(train, s)
		}
	}
	w := fit(train)
	m := quantise(w)
	rep := Report{Seed: seed, Train: len(train), Test: len(test), Weights: w}
	rep.FloatAcc = accuracy(test, func(f [authscore.NumFeatures]int64) bool { return sigmoid(dot(w, f)) >= 0.5 })
	rep.FixedAcc = accuracy(test, func(f [authscore.NumFeatures]int64) bool { return m.Score(f) >= 500_000 })
	rep.FixedTrainAcc = accuracy(train, func(f [authscore.NumFeatures]int64) bool { return m.Score(f) >= 500_000 })
	for _, s := range test {
		got := m.Score(s.F) >= 500_000
		switch {
		case got && s.Authentic:
			rep.TruePos++
		case got && !s.Authentic:
			rep.FalsePos++
		case !got && !s.Authentic:
			rep.TrueNeg++
		default:
			rep.FalseNeg++
		}
		d := m.Score(s.F) - int64(math.Round(1e6*sigmoid(dot(w, s.F))))
		rep.MaxScoreDiffPPMOnTest = max(rep.MaxScoreDiffPPMOnTest, d, -d)
	}
	src, err := render(seed, m, rep)
	return src, rep, err
}

// fit runs batch gradient descent on the log loss with a little L2.
func fit(data []Sample) [authscore.NumFeatures]float64 {
	var w [authscore.NumFeatures]float64
	n := float64(len(data))
	for range epochs {
		var grad [authscore.NumFeatures]float64
		for _, s := range data {
			y := 0.0
			if s.Authentic {
				y = 1
			}
			e := sigmoid(dot(w, s.F)) - y
			for i, f := range s.F {
				grad[i] += float64(e * (float64(f) / authscore.One))
			}
		}
		for i := range w {
			w[i] -= rate * (grad[i]/n + float64(l2*w[i]))
		}
	}
	return w
}

func dot(w [authscore.NumFeatures]float64, f [authscore.NumFeatures]int64) float64 {
	z := 0.0
	for i := range w {
		z += float64(w[i] * (float64(f[i]) / authscore.One)) // explicit conversion: no fused multiply-add
	}
	return z
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func quantise(w [authscore.NumFeatures]float64) authscore.Model {
	var m authscore.Model
	for i, x := range w {
		m.Weights[i] = int64(math.Round(x * authscore.One))
	}
	for i := range m.Sigmoid {
		z := -8 + 16*float64(i)/authscore.SigmoidSteps
		m.Sigmoid[i] = int64(math.Round(1e6 * sigmoid(z)))
	}
	return m
}

func accuracy(data []Sample, predict func([authscore.NumFeatures]int64) bool) float64 {
	ok := 0
	for _, s := range data {
		if predict(s.F) == s.Authentic {
			ok++
		}
	}
	return float64(ok) / float64(len(data))
}

func render(seed uint64, m authscore.Model, rep Report) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by go run ./plugins/authenticity-scorer/train -seed %d; DO NOT EDIT.\n\n", seed)
	fmt.Fprintf(&b, "package main\n\nimport \"github.com/careerchain/careerchain/plugins/internal/authscore\"\n\n")
	fmt.Fprintf(&b, "// model was trained on %d synthetic claims; held-out accuracy %.2f%% (fixed point).\n",
		rep.Train, 100*rep.FixedAcc)
	fmt.Fprintf(&b, "var model = authscore.Model{\n\tWeights: [authscore.NumFeatures]int64{\n")
	for i, w := range m.Weights {
		fmt.Fprintf(&b, "\t\t%d, // %s\n", w, authscore.FeatureNames[i])
	}
	fmt.Fprintf(&b, "\t},\n\tSigmoid: [authscore.SigmoidSteps + 1]int64{")
	for i, v := range m.Sigmoid {
		if i%8 == 0 {
			b.WriteString("\n\t\t")
		}
		fmt.Fprintf(&b, "%d, ", v)
	}
	b.WriteString("\n\t},\n}\n")
	return format.Source(b.Bytes())
}
