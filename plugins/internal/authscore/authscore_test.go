package authscore

import (
	"math"
	"testing"

	"github.com/careerchain/careerchain/sdk/plugin"
)

const now = 1_735_689_600 // 2025-01-01

func TestFeatures(t *testing.T) {
	c := plugin.Claim{Role: "Head of Sales", Start: "2020-01-01", End: "2022-01-01",
		Description: "BEST best sales sales", Skills: make([]string, 13), Evidence: make([]string, 2)}
	f := Features(c, now)
	want := map[int]int64{
		FBias: One, FDescLen: ratio(int64(len(c.Description)), 1000), FDiversity: One / 2, FUpper: One * 4 / 18,
		FEvidence: One / 2, FSkills: One, FDuration: ratio(24, 240), FOngoing: 0, FHype: One, FSenior: One,
		FStartAge: ratio(5, 40), FSkillsBloat: One,
	}
	for i, w := range want {
		if f[i] != w {
			t.Errorf("feature %s = %d, want %d", FeatureNames[i], f[i], w)
		}
	}
	for i, v := range Features(plugin.Claim{Start: "garbage"}, now) {
		if v < 0 || v > One {
			t.Errorf("feature %s = %d, outside 0..One", FeatureNames[i], v)
		}
	}
}

func testModel(w [NumFeatures]int64) Model {
	m := Model{Weights: w}
	for i := range m.Sigmoid {
		z := -8 + 16*float64(i)/SigmoidSteps
		m.Sigmoid[i] = int64(math.Round(1e6 / (1 + math.Exp(-z))))
	}
	return m
}

func TestScore(t *testing.T) {
	var f [NumFeatures]int64
	f[FBias] = One
	for _, z := range []float64{-20, -8, -3.3, -0.5, 0, 0.01, 1.7, 7.99, 8, 30} {
		var w [NumFeatures]int64
		w[FBias] = int64(z * One)
		m := testModel(w)
		got := m.Score(f)
		want := 1e6 / (1 + math.Exp(-max(-8, min(z, 8))))
		if got < 0 || got > 1_000_000 || math.Abs(float64(got)-want) > 3000 {
			t.Errorf("z=%v: score %d, want ≈%.0f", z, got, want)
		}
	}
}
