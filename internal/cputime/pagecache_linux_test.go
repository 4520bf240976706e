package cputime

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func TestEvictPageCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "data.bin")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	if got := residentPages(t, path); got == 0 {
		t.Fatal("a file just written and read has no page in the cache: the check cannot tell")
	}
	files, err := EvictPageCache(dir)
	if err != nil || files != 1 {
		t.Fatalf("EvictPageCache: %d files, %v; want 1, nil", files, err)
	}
	if got := residentPages(t, path); got != 0 {
		t.Errorf("%d pages of the file still cached after EvictPageCache", got)
	}
}

// residentPages counts the pages of the file in the page cache (mincore of a mapping).
func residentPages(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	pages := make([]byte, (len(mem)+os.Getpagesize()-1)/os.Getpagesize())
	// x/sys/unix has no wrapper for mincore on Linux.
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)), uintptr(unsafe.Pointer(&pages[0]))); errno != 0 {
		t.Fatal(errno)
	}
	n := 0
	for _, p := range pages {
		n += int(p & 1)
	}
	return n
}
