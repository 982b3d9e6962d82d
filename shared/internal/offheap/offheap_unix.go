//go:build unix

package offheap

import (
	"syscall"
	"unsafe"
)

func mapWords(n int) (mem []byte, s []uint64, ok bool) {
	mem, err := syscall.Mmap(-1, 0, n*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, nil, false // the heap will do
	}
	return mem, unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(mem))), n), true
}

func unmap(mem []byte) { syscall.Munmap(mem) }
