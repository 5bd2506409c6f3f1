package claimcheck

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/plugin"
)

const blockTime = 1_735_689_600 // 2025-01-01T00:00:00Z

func tx(edit func(*chain.Tx)) chain.Tx {
	t := chain.Tx{Type: chain.TypeRegister, Career: &chain.Career{Statement: chain.Statement{
		Type: chain.TypeRegister,
		Claim: chain.Claim{Role: "Backend Engineer", Organisation: "Hanbit Labs", Start: "2021-03-01", End: "2023-08-31",
			Description: "Payments API.\nOn-call.", Skills: []string{"go", "sql"},
			Evidence: []string{"sha256:" + strings.Repeat("0a", 32)}},
	}}}
	if edit != nil {
		edit(&t)
	}
	return t
}

// input is what the host passes a validator for tx at blockTime.
func input(tx chain.Tx) *plugin.Input {
	in := &plugin.Input{Kind: plugin.KindValidator, Time: blockTime, TxType: tx.Type}
	if c := tx.Career; c != nil {
		st, cl := c.Statement, c.Statement.Claim
		in.HasCareer = true
		in.Statement = plugin.Statement{ChainID: st.ChainID, Type: st.Type, Nonce: st.Nonce, Holder: st.Holder,
			HolderKey: st.HolderKey, Supersedes: st.Supersedes, Claim: plugin.Claim{Role: cl.Role,
				Organisation: cl.Organisation, Start: cl.Start, End: cl.End, Description: cl.Description,
				Skills: cl.Skills, Evidence: cl.Evidence}}
	}
	return in
}

func claim(edit func(*chain.Claim)) func(*chain.Tx) {
	return func(t *chain.Tx) { edit(&t.Career.Statement.Claim) }
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		tx   chain.Tx
		code string // "" accepts
	}{
		{"valid", tx(nil), ""},
		{"ongoing", tx(claim(func(c *chain.Claim) { c.End = "" })), ""},
		{"starts on block day", tx(claim(func(c *chain.Claim) { c.Start, c.End = "2025-01-01", "" })), ""},
		{"one day", tx(claim(func(c *chain.Claim) { c.Start, c.End = "2024-02-29", "2024-02-29" })), ""},
		{"unicode names", tx(claim(func(c *chain.Claim) { c.Role, c.Organisation = "백엔드 개발자", "한빛랩스" })), ""},
		{"revoke passes", chain.Tx{Type: chain.TypeRevoke}, ""},
		{"no career", chain.Tx{Type: chain.TypeRegister}, CodeNoCareer},
		{"type mismatch", tx(func(t *chain.Tx) { t.Career.Statement.Type = chain.TypeAmend }), CodeWrongType},
		{"amend without target", tx(func(t *chain.Tx) { t.Type, t.Career.Statement.Type = chain.TypeAmend, chain.TypeAmend }), CodeSupersedes},
		{"amend", tx(func(t *chain.Tx) {
			t.Type, t.Career.Statement.Type, t.Career.Statement.Supersedes = chain.TypeAmend, chain.TypeAmend, strings.Repeat("ab", 32)
		}), ""},
		{"register superseding", tx(func(t *chain.Tx) { t.Career.Statement.Supersedes = strings.Repeat("ab", 32) }), CodeSupersedes},
		{"empty role", tx(claim(func(c *chain.Claim) { c.Role = "" })), CodeMissingField},
		{"blank org", tx(claim(func(c *chain.Claim) { c.Organisation = " \t" })), CodeMissingField},
		{"long org", tx(claim(func(c *chain.Claim) { c.Organisation = strings.Repeat("a", MaxOrg+1) })), CodeTooLong},
		{"role no letters", tx(claim(func(c *chain.Claim) { c.Role = "!!!" })), CodeBadText},
		{"role repeats", tx(claim(func(c *chain.Claim) { c.Role = "Devvvvvvvvvvv" })), CodeBadText},
		{"role control", tx(claim(func(c *chain.Claim) { c.Role = "Dev\nOps" })), CodeBadText},
		{"role bad utf8", tx(claim(func(c *chain.Claim) { c.Role = "Dev\xff" })), CodeBadText},
		{"no start", tx(claim(func(c *chain.Claim) { c.Start = "" })), CodeMissingField},
		{"bad start", tx(claim(func(c *chain.Claim) { c.Start = "2021-13-01" })), CodeBadDate},
		{"feb 30", tx(claim(func(c *chain.Claim) { c.Start = "2021-02-30" })), CodeBadDate},
		{"not padded", tx(claim(func(c *chain.Claim) { c.Start = "2021-3-01" })), CodeBadDate},
		{"ancient", tx(claim(func(c *chain.Claim) { c.Start = "1850-01-01" })), CodeBadDate},
		{"bad end", tx(claim(func(c *chain.Claim) { c.End = "yesterday" })), CodeBadDate},
		{"end before start", tx(claim(func(c *chain.Claim) { c.End = "2021-02-28" })), CodeEndBeforeStart},
		{"future start", tx(claim(func(c *chain.Claim) { c.Start, c.End = "2025-01-02", "" })), CodeFutureStart},
		{"long description", tx(claim(func(c *chain.Claim) { c.Description = strings.Repeat("x", MaxDescription+1) })), CodeTooLong},
		{"description control", tx(claim(func(c *chain.Claim) { c.Description = "a\x07b" })), CodeBadText},
		{"too many skills", tx(claim(func(c *chain.Claim) { c.Skills = make([]string, MaxSkills+1) })), CodeTooLong},
		{"empty skill", tx(claim(func(c *chain.Claim) { c.Skills = []string{"go", ""} })), CodeMissingField},
		{"long skill", tx(claim(func(c *chain.Claim) { c.Skills = []string{strings.Repeat("g", MaxSkill+1)} })), CodeTooLong},
		{"evidence upper hex", tx(claim(func(c *chain.Claim) { c.Evidence = []string{"sha256:" + strings.Repeat("0A", 32)} })), CodeBadEvidence},
		{"evidence short", tx(claim(func(c *chain.Claim) { c.Evidence = []string{"sha256:abcd"} })), CodeBadEvidence},
		{"evidence no prefix", tx(claim(func(c *chain.Claim) { c.Evidence = []string{strings.Repeat("0a", 32)} })), CodeBadEvidence},
		{"evidence twice", tx(claim(func(c *chain.Claim) { c.Evidence = append(c.Evidence, c.Evidence[0]) })), CodeBadEvidence},
		{"too much evidence", tx(claim(func(c *chain.Claim) { c.Evidence = make([]string, MaxEvidence+1) })), CodeTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Check(input(tt.tx))
			switch {
			case tt.code == "" && p != nil:
				t.Fatalf("rejected: %v", p)
			case tt.code != "" && (p == nil || p.Code != tt.code):
				t.Fatalf("got %v, want code %s", p, tt.code)
			}
		})
	}
}

// FuzzCheck: any claim gets an answer without panicking, and the same
// answer twice.
func FuzzCheck(f *testing.F) {
	f.Add("Engineer", "Acme", "2020-01-01", "2021-01-01", "desc", "sha256:"+strings.Repeat("0", 64))
	f.Add("", "", "", "", "", "")
	f.Add("x", "y", "2020-02-30", "1999-12-31", "\x00", "sha256:")
	f.Fuzz(func(t *testing.T, role, org, start, end, desc, ev string) {
		x := tx(claim(func(c *chain.Claim) {
			c.Role, c.Organisation, c.Start, c.End, c.Description, c.Evidence = role, org, start, end, desc, []string{ev}
		}))
		a, b := Check(input(x)), Check(input(x))
		if (a == nil) != (b == nil) || a != nil && *a != *b {
			t.Fatalf("not deterministic: %v vs %v", a, b)
		}
	})
}

func TestFutureStartReason(t *testing.T) {
	p := Check(input(tx(claim(func(c *chain.Claim) { c.Start, c.End = "2025-01-02", "" }))))
	if p == nil || p.Reason != "start 2025-01-02 is after the block time 2025-01-01" {
		t.Fatalf("got %v", p)
	}
}

func TestFormatDate(t *testing.T) {
	for _, s := range []string{"1970-01-01", "0001-03-01", "0000-02-29", "1900-02-28", "2000-02-29", "2024-12-31", "9999-12-31", "1969-12-31"} {
		d, ok := ParseDate(s)
		want, err := time.Parse("2006-01-02", s)
		if !ok || err != nil || d*86400 != want.Unix() || FormatDate(d) != s {
			t.Errorf("ParseDate(%q) = %d, %v; FormatDate = %q; time.Parse: %v, %v", s, d, ok, FormatDate(d), want.Unix(), err)
		}
	}
}

// FuzzParseDate: ParseDate accepts exactly the dates time.Parse accepts in
// canonical form, with the same day number.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2021-02-28", "2021-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "2021-3-01", "0000-01-01", "2021-00-10", "+021-01-01", "2021-01-1x", "2021-04-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s)
		tm, err := time.Parse("2006-01-02", s)
		want := err == nil && tm.Format("2006-01-02") == s
		if ok != want || ok && d*86400 != tm.Unix() {
			t.Fatalf("ParseDate(%q) = %d, %v; time.Parse = %v, %v", s, d, ok, tm, err)
		}
	})
}

// checkNameRef is checkName without the ASCII fast paths.
func checkNameRef(field, s string, limit int) *Problem {
	slowClean := utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
	switch {
	case strings.TrimSpace(s) == "":
		return problem(CodeMissingField, field, " is empty")
	case len(s) > limit:
		return problem(CodeTooLong, field, " is ", len(s), " bytes, at most ", limit)
	case !slowClean:
		return problem(CodeBadText, field, " must be UTF-8 text without control characters")
	case !strings.ContainsFunc(s, unicode.IsLetter):
		return problem(CodeBadText, field, " ", quoted(clip(s)), " has no letters")
	case longestRun(s) > maxRun:
		return problem(CodeBadText, field, " ", quoted(clip(s)), " repeats one character more than ", maxRun, " times")
	}
	return nil
}

// FuzzCheckName: the fast paths for ASCII names change no answer.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"Software Engineer", "sha256:" + strings.Repeat("0a", 32), "sha256:" + strings.Repeat("0A", 32), "aaaaaaa", "aaaaaab", "Ab\x7f", "12345", " ", "한빛 Labs", "ééééééé", "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := checkName("role", s, MaxRole), checkNameRef("role", s, MaxRole)
		if (got == nil) != (want == nil) || got != nil && *got != *want {
			t.Fatalf("checkName(%q) = %v, without fast paths %v", s, got, want)
		}
		evOK := strings.HasPrefix(s, "sha256:") && len(s) == 71 && strings.Trim(s[7:], "0123456789abcdef") == ""
		if (checkEvidence([]string{s}) == nil) != evOK {
			t.Fatalf("checkEvidence(%q) differs", s)
		}
		if cleanText(s, descriptionControls) != (utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
			return unicode.IsControl(r) && !strings.ContainsRune(descriptionControls, r)
		})) {
			t.Fatalf("cleanText(%q) differs", s)
		}
	})
}
