package main

import (
	"bytes"
	"os"
	"testing"
)

// The committed weights are exactly what training with the default seed
// produces, and the model is good on held-out data.
func TestTrainReproducesCommittedWeights(t *testing.T) {
	src, rep, err := Train(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../weights_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, committed) {
		t.Error("weights_gen.go is stale: run go run ./plugins/authenticity-scorer/train")
	}
	if rep.FixedAcc < 0.9 || rep.FixedAcc < rep.FloatAcc-0.01 {
		t.Errorf("held-out accuracy: fixed point %.3f, float %.3f", rep.FixedAcc, rep.FloatAcc)
	}
	if rep.TruePos+rep.FalseNeg == 0 || rep.TrueNeg+rep.FalsePos == 0 {
		t.Errorf("held-out split lacks a class: %+v", rep)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(7, 50), Generate(7, 50)
	for i := range a {
		if a[i].F != b[i].F || a[i].Authentic != b[i].Authentic {
			t.Fatalf("sample %d differs", i)
		}
	}
	if c := Generate(8, 50); c[1].F == a[1].F && c[3].F == a[3].F {
		t.Error("different seeds gave the same samples")
	}
}
