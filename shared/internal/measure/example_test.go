package measure_test

import (
	"fmt"

	"github.com/civicpulse/civicpulse/shared/internal/measure"
)

var sink [][]byte

func Example() {
	stop := measure.HeapPeak()
	cpu0 := measure.ProcessCPU()
	for range 64 {
		sink = append(sink, make([]byte, 64<<10)) // 4 MB kept live
	}
	peak := stop()
	fmt.Println(peak >= 4<<20, measure.ProcessCPU() >= cpu0)
	// Output: true true
}

func ExampleMedian() {
	runs := []uint64{7, 300, 5} // one run met a late collection
	i := 0
	m := measure.Median(len(runs), func() uint64 { i++; return runs[i-1] })
	fmt.Println(m)
	// Output: 7
}
