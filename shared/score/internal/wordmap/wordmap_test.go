package wordmap

import (
	"fmt"
	"strconv"
	"testing"
)

func TestIndex(t *testing.T) {
	var keys []string
	for i := range 5000 {
		keys = append(keys, "w"+strconv.Itoa(i*7919))
	}
	keys = append(keys, "", "a", "ab", "abc", "abcd", "abcdefgh", "abcdefghi", "don't", "über")
	tab := New(keys)
	for i, k := range keys {
		if got := tab.Index(k); got != i {
			t.Errorf("Index(%q) = %d; want %d", k, got, i)
		}
		if got := tab.IndexBytes([]byte(k)); got != i {
			t.Errorf("IndexBytes(%q) = %d; want %d", k, got, i)
		}
	}
	for _, k := range []string{"w1", "abcde", "abcdefg", "b", "zz", "w7918"} {
		if got := tab.Index(k); got != -1 {
			t.Errorf("Index(%q) = %d; want -1", k, got)
		}
	}
}

func ExampleTable_Index() {
	tab := New([]string{"pothole", "trash", "noise"})
	fmt.Println(tab.Index("trash"), tab.Index("graffiti"))
	// Output: 1 -1
}

var sink int

func BenchmarkIndex(b *testing.B) {
	var keys []string
	m := map[string]int{}
	for i := range 7500 {
		k := strconv.FormatInt(int64(i)*2654435761, 36)
		keys = append(keys, k)
		m[k] = i
	}
	tab := New(keys)
	words := append(keys[:200:200], "the", "pothole", "on", "main", "street", "is", "getting", "worse")
	b.Run("table", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink += tab.Index(words[i%len(words)])
		}
	})
	b.Run("map", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink += m[words[i%len(words)]]
		}
	})
}
