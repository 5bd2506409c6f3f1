package authscore

import (
	"strings"
	"time"
	"unicode"

	"github.com/careerchain/careerchain/sdk/plugin"
)

// One is 1.0 in Q12 fixed point.
const One = 4096

// Feature indices.
const (
	FBias        = iota // always One
	FDescLen            // description length, saturating at 1000 bytes
	FDiversity          // distinct words / words
	FUpper              // upper-case letters / letters
	FEvidence           // evidence digests, saturating at 4
	FSkills             // skills, saturating at 8
	FDuration           // months worked, saturating at 240
	FOngoing            // no end date
	FHype               // hype words / words, times 4, saturating
	FSenior             // role claims a top title
	FStartAge           // years since start, saturating at 40
	FSkillsBloat        // more than 12 skills
	NumFeatures
)

// FeatureNames names the features in index order, for reports.
var FeatureNames = [NumFeatures]string{
	"bias", "desc_len", "diversity", "upper", "evidence", "skills",
	"duration", "ongoing", "hype", "senior", "start_age", "skills_bloat",
}

// Words that inflate a description rather than inform.
var hypeWords = map[string]bool{
	"best": true, "world-class": true, "guaranteed": true, "genius": true, "legendary": true,
	"rockstar": true, "ninja": true, "unmatched": true, "revolutionary": true, "billion": true,
	"unicorn": true, "number-one": true, "perfect": true, "expert": true, "famous": true, "top": true,
}

// Words that make a role a top title.
var seniorWords = []string{"chief", "ceo", "cto", "founder", "president", "head", "director", "vp"}

// SigmoidSteps is the number of sigmoid table intervals over z in [-8, 8].
const SigmoidSteps = 128

// Model is a fixed-point logistic regression.
type Model struct {
	Weights [NumFeatures]int64      // Q12
	Sigmoid [SigmoidSteps + 1]int64 // ppm at z = -8 + 16·i/SigmoidSteps
}

// Features extracts the Q12 features of c at block time now (Unix seconds).
// Unparseable dates count as zero duration and age.
func Features(c plugin.Claim, now int64) [NumFeatures]int64 {
	var f [NumFeatures]int64
	f[FBias] = One
	f[FDescLen] = ratio(int64(len(c.Description)), 1000)

	words := strings.FieldsFunc(strings.ToLower(c.Description), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	})
	if len(words) > 0 {
		distinct := make(map[string]bool, len(words))
		hype := 0
		for _, w := range words {
			distinct[w] = true
			if hypeWords[w] {
				hype++
			}
		}
		f[FDiversity] = ratio(int64(len(distinct)), int64(len(words)))
		f[FHype] = ratio(int64(4*hype), int64(len(words)))
	}
	var letters, upper int64
	for _, r := range c.Description {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	if letters > 0 {
		f[FUpper] = ratio(upper, letters)
	}
	f[FEvidence] = ratio(int64(len(c.Evidence)), 4)
	f[FSkills] = ratio(int64(len(c.Skills)), 8)
	if len(c.Skills) > 12 {
		f[FSkillsBloat] = One
	}

	start, okStart := date(c.Start)
	end, okEnd := date(c.End)
	if c.End == "" {
		f[FOngoing] = One
		end, okEnd = time.Unix(now, 0).UTC(), true
	}
	if okStart && okEnd && !end.Before(start) {
		f[FDuration] = ratio(months(start, end), 240)
	}
	if okStart {
		f[FStartAge] = ratio(months(start, time.Unix(now, 0).UTC())/12, 40)
	}
	role := strings.ToLower(c.Role)
	for _, w := range seniorWords {
		if strings.Contains(role, w) {
			f[FSenior] = One
			break
		}
	}
	return f
}

// Score returns the model's probability that a claim with features f is
// authentic, in parts per million.
func (m *Model) Score(f [NumFeatures]int64) int64 {
	var z int64
	for i, w := range m.Weights {
		z += w * f[i]
	}
	z /= One // Q12 logit
	const lo, hi = -8 * One, 8 * One
	z = max(lo, min(z, hi))
	step := int64((hi - lo) / SigmoidSteps)
	pos := z - lo
	i, frac := pos/step, pos%step
	if i >= SigmoidSteps {
		return m.Sigmoid[SigmoidSteps]
	}
	a, b := m.Sigmoid[i], m.Sigmoid[i+1]
	return a + (b-a)*frac/step
}

// ratio is n/d in Q12, saturating at One; d must be positive.
func ratio(n, d int64) int64 {
	if n <= 0 {
		return 0
	}
	if n >= d {
		return One
	}
	return n * One / d
}

func date(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

func months(a, b time.Time) int64 {
	return int64(b.Year()-a.Year())*12 + int64(b.Month()-a.Month())
}
