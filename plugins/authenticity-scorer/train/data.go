package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/careerchain/careerchain/plugins/internal/authscore"
	"github.com/careerchain/careerchain/sdk/plugin"
)

// Sample is one labelled synthetic claim and its features.
type Sample struct {
	Claim     plugin.Claim
	Now       int64
	F         [authscore.NumFeatures]int64
	Authentic bool
}

// Now is the block time of every synthetic sample: 2025-01-01 UTC.
var now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	roles      = []string{"Software Engineer", "Backend Developer", "Product Designer", "Data Analyst", "Translator", "QA Engineer", "Marketing Consultant", "Project Manager", "Illustrator", "DevOps Engineer"}
	topRoles   = []string{"Chief Technology Officer", "CEO", "Founder", "Head of Engineering", "Director of Product", "VP Sales"}
	orgs       = []string{"Hanbit Labs", "Seoul Robotics", "Acme Corp", "Blue Harbor", "Namsan Studio", "Kite Payments", "Jeju Data", "Orbit Media"}
	vocabulary = strings.Fields(`built maintained migrated designed tested shipped reviewed documented api service
		database queries latency dashboard pipeline customers release mobile web backend frontend payments
		search onboarding localisation korean english reports metrics alerts kubernetes terraform invoices
		team sprint feature bugs refactored improved reduced costs by percent weekly monthly users support
		contract delivered prototype research interviews accessibility components translation manuals audit`)
	hype = []string{"best", "world-class", "guaranteed", "genius", "legendary", "rockstar", "ninja",
		"unmatched", "revolutionary", "billion", "unicorn", "number-one", "perfect", "expert", "famous", "top"}
	skills = []string{"go", "python", "sql", "figma", "react", "aws", "docker", "excel", "seo", "korean", "english", "testing"}
)

// Generate returns n labelled claims, half authentic, drawn from seed.
// Authentic claims have informative descriptions, evidence and ordinary
// titles and durations; fabricated ones lean towards hype, shouting, top
// titles, missing evidence and implausible durations — with overlap, so
// the task is not trivial.
func Generate(seed uint64, n int) []Sample {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Sample, 0, n)
	for i := range n {
		authentic := i%2 == 0
		c := claim(rng, authentic)
		out = append(out, Sample{Claim: c, Now: now.Unix(), F: authscore.Features(c, now.Unix()), Authentic: authentic})
	}
	return out
}

func claim(rng *rand.Rand, authentic bool) plugin.Claim {
	p := func(genuine, fake float64) bool {
		if authentic {
			return rng.Float64() < genuine
		}
		return rng.Float64() < fake
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }

	c := plugin.Claim{Role: pick(roles), Organisation: pick(orgs)}
	if p(0.08, 0.45) {
		c.Role = pick(topRoles)
	}

	// Dates: months worked and when it started.
	var dur int
	switch {
	case authentic || rng.Float64() < 0.45:
		dur = 3 + rng.IntN(70)
	case rng.Float64() < 0.5:
		dur = rng.IntN(2)
	default:
		dur = 120 + rng.IntN(200)
	}
	ago := dur + rng.IntN(60)
	start := now.AddDate(0, -ago, -rng.IntN(28))
	c.Start = start.Format("2006-01-02")
	if !p(0.3, 0.4) {
		c.End = start.AddDate(0, dur, 0).Format("2006-01-02")
	}

	// Description.
	words := 15 + rng.IntN(70)
	hypeShare := 0.02
	if !authentic {
		words = rng.IntN(40)
		hypeShare = 0.05 + 0.5*rng.Float64()
	}
	vocab := vocabulary
	if !authentic && rng.Float64() < 0.4 {
		vocab = vocabulary[:6+rng.IntN(6)] // repetitive
	}
	var b strings.Builder
	for range words {
		w := pick(vocab)
		if rng.Float64() < hypeShare {
			w = pick(hype)
		}
		b.WriteString(w)
		b.WriteByte(' ')
	}
	c.Description = strings.TrimSpace(b.String())
	if p(0.02, 0.3) {
		c.Description = strings.ToUpper(c.Description)
	}

	// Evidence and skills.
	nev := 1 + rng.IntN(4)
	if !p(0.9, 0.3) {
		nev = 0
	}
	for i := range nev {
		c.Evidence = append(c.Evidence, fmt.Sprintf("sha256:%064x", rng.Uint64()+uint64(i)))
	}
	nsk := 2 + rng.IntN(6)
	if !authentic {
		switch rng.IntN(3) {
		case 0:
			nsk = rng.IntN(2)
		case 1:
			nsk = 13 + rng.IntN(10)
		}
	}
	for range nsk {
		c.Skills = append(c.Skills, pick(skills))
	}
	return c
}
