//go:build !unix

package measure

import "time"

// ProcessCPU is the CPU time this process has used; 0 where the system cannot say.
func ProcessCPU() time.Duration { return 0 }
