package claimcheck

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/careerchain/careerchain/plugins/internal/ascii"
	"github.com/careerchain/careerchain/sdk/plugin"
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

// problem builds a Problem from its reason's parts (strings and ints),
// without fmt, which would double a plugin's size.
func problem(code string, parts ...any) *Problem {
	var b strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case quoted:
			b.WriteString(strconv.Quote(string(v)))
		}
	}
	return &Problem{Code: code, Reason: b.String()}
}

// quoted is a string a reason shows in Go quotes.
type quoted string

// Check returns nil if the transaction in in is acceptable at its block
// time. Transactions other than career.register and career.amend are not
// this validator's business and pass.
func Check(in *plugin.Input) *Problem {
	typ, blockTime := in.TxType, in.Time
	register, amend := ascii.Equal(typ, plugin.TypeRegister), ascii.Equal(typ, plugin.TypeAmend)
	if !register && !amend {
		return nil
	}
	if !in.HasCareer {
		return problem(CodeNoCareer, "a ", typ, " transaction needs a career body")
	}
	st := &in.Statement
	if !ascii.Equal(st.Type, typ) {
		return problem(CodeWrongType, "statement type ", quoted(clip(st.Type)), " differs from transaction type ", quoted(typ))
	}
	switch {
	case amend && !ascii.LowerHex(st.Supersedes, hexDigestLen):
		return problem(CodeSupersedes, "an amendment must name the TxID it supersedes (64 hex digits)")
	case register && st.Supersedes != "":
		return problem(CodeSupersedes, "a registration supersedes nothing")
	}
	c := &st.Claim
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
		return problem(CodeTooLong, "description is ", len(c.Description), " bytes, at most ", MaxDescription)
	}
	if !cleanText(c.Description, descriptionControls) {
		return problem(CodeBadText, "description must be UTF-8 text without control characters")
	}
	if len(c.Skills) > MaxSkills {
		return problem(CodeTooLong, len(c.Skills), " skills, at most ", MaxSkills)
	}
	for i, s := range c.Skills {
		simple := ascii.Printable(s)
		switch {
		case simple && ascii.Spaces(s), !simple && strings.TrimSpace(s) == "":
			return problem(CodeMissingField, "skill ", i+1, " is empty")
		case len(s) > MaxSkill:
			return problem(CodeTooLong, "skill ", i+1, " is ", len(s), " bytes, at most ", MaxSkill)
		case !simple && !cleanText(s, ""):
			return problem(CodeBadText, "skill ", i+1, " must be UTF-8 text without control characters")
		}
	}
	return checkEvidence(c.Evidence)
}

func checkName(field, s string, limit int) *Problem {
	// Most names are printable ASCII with a letter, so neither blank nor
	// unclean: the word-at-a-time checks decide.
	if len(s) <= limit && ascii.Printable(s) && ascii.HasLetter(s) {
		if ascii.HasRunOf7(s) { // maxRun is 6
			return problem(CodeBadText, field, " ", quoted(clip(s)), " repeats one character more than ", maxRun, " times")
		}
		return nil
	}
	switch {
	case strings.TrimSpace(s) == "":
		return problem(CodeMissingField, field, " is empty")
	case len(s) > limit:
		return problem(CodeTooLong, field, " is ", len(s), " bytes, at most ", limit)
	case !cleanText(s, ""):
		return problem(CodeBadText, field, " must be UTF-8 text without control characters")
	case !strings.ContainsFunc(s, unicode.IsLetter):
		return problem(CodeBadText, field, " ", quoted(clip(s)), " has no letters")
	case longestRun(s) > maxRun:
		return problem(CodeBadText, field, " ", quoted(clip(s)), " repeats one character more than ", maxRun, " times")
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
	if s*secondsPerDay > blockTime {
		return problem(CodeFutureStart, "start ", start, " is after the block time ", FormatDate(floorDiv(blockTime, secondsPerDay)))
	}
	if end == "" {
		return nil
	}
	e, p := parseDate("end", end)
	if p != nil {
		return p
	}
	if e < s {
		return problem(CodeEndBeforeStart, "end ", end, " is before start ", start)
	}
	return nil
}

func parseDate(field, v string) (days int64, p *Problem) {
	d, y, ok := parse(v)
	if !ok {
		return 0, problem(CodeBadDate, field, " ", quoted(clip(v)), " is not a real date YYYY-MM-DD")
	}
	if y < MinYear {
		return 0, problem(CodeBadDate, field, " ", v, " is before ", MinYear)
	}
	return d, nil
}

// ParseDate parses a calendar date YYYY-MM-DD (exactly that form, a real
// day of the proleptic Gregorian calendar, year 0000..9999) into days since
// 1970-01-01. It accepts exactly what time.Parse("2006-01-02", s) accepts
// and formats back to s.
func ParseDate(s string) (days int64, ok bool) {
	days, _, ok = parse(s)
	return days, ok
}

// parse is ParseDate that also returns the year. It avoids branches (each
// taken one costs a trip out of the native code inside a module): the
// month length comes from a table and the day number from arithmetic.
func parse(s string) (days, year int64, ok bool) {
	y, m, d, ok := splitDate(s)
	leap := int64(0)
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		leap = 1
	}
	mi := min(uint64(m), 13) // 0 and 13 index the table's zeros
	if !ok || uint64(d-1) >= uint64(monthDays[mi]+leap*int64(b2i(mi == 2))) {
		return 0, 0, false
	}
	// H. Hinnant's days_from_civil with March as the first month, for
	// years -1..9999 (so era = floor(y/400) = (y+400)/400 - 1).
	y -= int64(b2i(m <= 2))
	era := (y+400)/400 - 1
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468, y + int64(b2i(m <= 2)), true
}

// monthDays are the lengths of the months 1..12 of a common year.
var monthDays = [14]int64{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// splitDate reads the digits of YYYY-MM-DD without checking their
// ranges; unrolled, since a loop costs more than the digits inside a module.
func splitDate(s string) (y, m, d int64, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y0, y1, y2, y3 := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
	m0, m1, d0, d1 := s[5]-'0', s[6]-'0', s[8]-'0', s[9]-'0'
	if max(y0, y1, y2, y3, m0, m1, d0, d1) > 9 { // a byte below '0' wraps around
		return 0, 0, 0, false
	}
	y = int64(y0)*1000 + int64(y1)*100 + int64(y2)*10 + int64(y3)
	return y, int64(m0)*10 + int64(m1), int64(d0)*10 + int64(d1), true
}

// FormatDate is the inverse of ParseDate: days since 1970-01-01 as
// YYYY-MM-DD (years outside 0000..9999 as many digits as they need).
func FormatDate(days int64) string {
	y, m, d := civilFromDays(days)
	b := make([]byte, 0, 11)
	if y >= 0 && y < 1000 {
		b = append(b, "000"[:4-len(strconv.FormatInt(y, 10))]...)
	}
	b = strconv.AppendInt(b, y, 10)
	b = append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	return string(b)
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// date (H. Hinnant's algorithm).
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func checkEvidence(ev []string) *Problem {
	if len(ev) > MaxEvidence {
		return problem(CodeTooLong, len(ev), " evidence digests, at most ", MaxEvidence)
	}
	for i, d := range ev {
		if len(d) != len(evidencePrefix)+hexDigestLen || ascii.Word(d, 0)&0x00ffffffffffffff != evidencePrefixWord ||
			!ascii.LowerHex(d[len(evidencePrefix):], hexDigestLen) {
			return problem(CodeBadEvidence, "evidence ", i+1, " ", quoted(clip(d)), " is not sha256:<64 lower-case hex>")
		}
		// At most MaxEvidence items: comparing pairs beats allocating a set.
		for _, prev := range ev[:i] {
			if ascii.Equal(prev, d) {
				return problem(CodeBadEvidence, "evidence ", i+1, " repeats ", d)
			}
		}
	}
	return nil
}

// evidencePrefixWord is the little-endian word of evidencePrefix's 7 bytes.
const evidencePrefixWord = 's' | 'h'<<8 | 'a'<<16 | '2'<<24 | '5'<<32 | '6'<<40 | ':'<<48

// cleanText reports whether s is valid UTF-8 without control characters
// other than those in allowed.
func cleanText(s, allowed string) bool {
	if ascii.Printable(s) {
		return true
	}
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
