package main

import "testing"

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"100k", 100_000, true}, {"1M", 1_000_000, true}, {"10M", 10_000_000, true},
		{"2500", 2500, true}, {"1.5M", 1_500_000, true}, {"0", 0, false}, {"-1k", 0, false},
		{"lots", 0, false}, {"", 0, false}, {"5G", 0, false},
	} {
		got, err := parseSize(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}
