package claimcheck

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/careerchain/careerchain/sdk/chain"
)

// Limits on a claim's fields, in bytes or items.
const (
	MaxRole        = 120
	MaxOrg         = 200
	MaxDescription = 4000
	MaxSkills      = 32
	MaxSkill       = 64
	MaxEvidence    = 16
	MinYear        = 1900
	maxRun         = 6 // longest run of one character in a role or organisation
)

// Codes of the rejections.
const (
	CodeNoCareer        = "no_career"
	CodeWrongType       = "wrong_type"
	CodeMissingField    = "missing_field"
	CodeTooLong         = "too_long"
	CodeBadText         = "bad_text"
	CodeBadDate         = "bad_date"
	CodeEndBeforeStart  = "end_before_start"
	CodeFutureStart     = "future_start"
	CodeBadEvidence     = "bad_evidence"
	CodeSupersedes      = "bad_supersedes"
	evidencePrefix      = "sha256:"
	dateLayout          = "2006-01-02"
	secondsPerDay       = 24 * 60 * 60
	hexDigestLen        = 64
	descriptionControls = "\n\t\r"
)

// Problem is why a claim is refused.
type Problem struct {
	Code   string
	Reason string
}

func (p *Problem) Error() string { return p.Code + ": " + p.Reason }

func problem(code, format string, args ...any) *Problem {
	return &Problem{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Check returns nil if tx is acceptable at block time blockTime (Unix
// seconds). Transactions other than career.register and career.amend are
// not this validator's business and pass.
func Check(tx chain.Tx, blockTime int64) *Problem {
	if tx.Type != chain.TypeRegister && tx.Type != chain.TypeAmend {
		return nil
	}
	if tx.Career == nil {
		return problem(CodeNoCareer, "a %s transaction needs a career body", tx.Type)
	}
	st := tx.Career.Statement
	if st.Type != tx.Type {
		return problem(CodeWrongType, "statement type %q differs from transaction type %q", clip(st.Type), tx.Type)
	}
	switch {
	case tx.Type == chain.TypeAmend && !isHex(st.Supersedes, hexDigestLen):
		return problem(CodeSupersedes, "an amendment must name the TxID it supersedes (64 hex digits)")
	case tx.Type == chain.TypeRegister && st.Supersedes != "":
		return problem(CodeSupersedes, "a registration supersedes nothing")
	}
	c := st.Claim
	if p := checkName("role", c.Role, MaxRole); p != nil {
		return p
	}
	if p := checkName("organisation", c.Organisation, MaxOrg); p != nil {
		return p
	}
	if p := checkDates(c.Start, c.End, blockTime); p != nil {
		return p
	}
	if len(c.Description) > MaxDescription {
		return problem(CodeTooLong, "description is %d bytes, at most %d", len(c.Description), MaxDescription)
	}
	if !cleanText(c.Description, descriptionControls) {
		return problem(CodeBadText, "description must be UTF-8 text without control characters")
	}
	if len(c.Skills) > MaxSkills {
		return problem(CodeTooLong, "%d skills, at most %d", len(c.Skills), MaxSkills)
	}
	for i, s := range c.Skills {
		switch {
		case strings.TrimSpace(s) == "":
			return problem(CodeMissingField, "skill %d is empty", i+1)
		case len(s) > MaxSkill:
			return problem(CodeTooLong, "skill %d is %d bytes, at most %d", i+1, len(s), MaxSkill)
		case !cleanText(s, ""):
			return problem(CodeBadText, "skill %d must be UTF-8 text without control characters", i+1)
		}
	}
	return checkEvidence(c.Evidence)
}

func checkName(field, s string, limit int) *Problem {
	switch {
	case strings.TrimSpace(s) == "":
		return problem(CodeMissingField, "%s is empty", field)
	case len(s) > limit:
		return problem(CodeTooLong, "%s is %d bytes, at most %d", field, len(s), limit)
	case !cleanText(s, ""):
		return problem(CodeBadText, "%s must be UTF-8 text without control characters", field)
	case !strings.ContainsFunc(s, unicode.IsLetter):
		return problem(CodeBadText, "%s %q has no letters", field, clip(s))
	case longestRun(s) > maxRun:
		return problem(CodeBadText, "%s %q repeats one character more than %d times", field, clip(s), maxRun)
	}
	return nil
}

func checkDates(start, end string, blockTime int64) *Problem {
	if start == "" {
		return problem(CodeMissingField, "start date is empty")
	}
	s, p := parseDate("start", start)
	if p != nil {
		return p
	}
	// A start on the block's own day is fine; the day begins at midnight UTC.
	if s.Unix() > blockTime {
		return problem(CodeFutureStart, "start %s is after the block time %s", start, time.Unix(blockTime, 0).UTC().Format(dateLayout))
	}
	if end == "" {
		return nil
	}
	e, p := parseDate("end", end)
	if p != nil {
		return p
	}
	if e.Before(s) {
		return problem(CodeEndBeforeStart, "end %s is before start %s", end, start)
	}
	return nil
}

func parseDate(field, v string) (time.Time, *Problem) {
	t, err := time.Parse(dateLayout, v)
	if err != nil || t.Format(dateLayout) != v {
		return time.Time{}, problem(CodeBadDate, "%s %q is not a real date YYYY-MM-DD", field, clip(v))
	}
	if t.Year() < MinYear {
		return time.Time{}, problem(CodeBadDate, "%s %s is before %d", field, v, MinYear)
	}
	return t, nil
}

func checkEvidence(ev []string) *Problem {
	if len(ev) > MaxEvidence {
		return problem(CodeTooLong, "%d evidence digests, at most %d", len(ev), MaxEvidence)
	}
	seen := make(map[string]bool, len(ev))
	for i, d := range ev {
		if !strings.HasPrefix(d, evidencePrefix) || !isHex(d[len(evidencePrefix):], hexDigestLen) {
			return problem(CodeBadEvidence, "evidence %d %q is not sha256:<64 lower-case hex>", i+1, clip(d))
		}
		if seen[d] {
			return problem(CodeBadEvidence, "evidence %d repeats %s", i+1, d)
		}
		seen[d] = true
	}
	return nil
}

// cleanText reports whether s is valid UTF-8 without control characters
// other than those in allowed.
func cleanText(s, allowed string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !strings.ContainsRune(allowed, r) {
			return false
		}
	}
	return true
}

func longestRun(s string) int {
	best, run := 0, 0
	var prev rune = -1
	for _, r := range s {
		if r == prev {
			run++
		} else {
			prev, run = r, 1
		}
		best = max(best, run)
	}
	return best
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// clip keeps reasons short when they quote user input.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}
