package chain

import (
	"errors"
	"slices"
	"testing"
)

func TestApplyKeyChange(t *testing.T) {
	a, b, c := hexSum([]byte("a")), hexSum([]byte("b")), hexSum([]byte("c"))
	tests := []struct {
		name   string
		before []string
		k      KeyChange
		want   []string
		err    bool
	}{
		{"add", []string{a}, KeyChange{Add: []string{b, c}}, []string{a, b, c}, false},
		{"add to an empty set", nil, KeyChange{Add: []string{a}}, []string{a}, false},
		{"remove", []string{a, b, c}, KeyChange{Remove: []string{a, c}}, []string{b}, false},
		{"rotate", []string{a, b}, KeyChange{Add: []string{c}, Remove: []string{a}}, []string{b, c}, false},
		{"remove every key", []string{a}, KeyChange{Remove: []string{a}}, []string{}, false},
		{"remove a key not in the set", []string{a}, KeyChange{Remove: []string{b}}, nil, true},
		{"add a key in the set", []string{a}, KeyChange{Add: []string{a}}, nil, true},
		{"rotate to a key in the set", []string{a, b}, KeyChange{Add: []string{b}, Remove: []string{a}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.before)
			got, err := ApplyKeyChange(before, &tt.k)
			if tt.err != (err != nil) || (err != nil && !errors.Is(err, ErrKeyChange)) {
				t.Fatalf("ApplyKeyChange = %q, %v; want error %v", got, err, tt.err)
			}
			if !tt.err && !slices.Equal(got, tt.want) {
				t.Fatalf("ApplyKeyChange = %q, want %q", got, tt.want)
			}
			if !slices.Equal(before, tt.before) {
				t.Fatal("ApplyKeyChange modified its input")
			}
		})
	}
}
