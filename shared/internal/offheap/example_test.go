package offheap_test

import (
	"fmt"

	"github.com/civicpulse/civicpulse/shared/internal/offheap"
)

func Example() {
	bits := offheap.New(1 << 17) // a 1 MB bit set
	defer bits.Free()
	w := bits.Slice()
	w[12345>>6] |= 1 << (12345 & 63)
	fmt.Println(w[12345>>6]&(1<<(12345&63)) != 0, w[0])
	// Output: true 0
}
