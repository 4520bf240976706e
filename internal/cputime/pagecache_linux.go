package cputime

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// EvictPageCache asks the kernel to drop the cached pages of every file under dir
// (POSIX_FADV_DONTNEED), so that the next read of them comes from the disk, as it
// does on a machine whose other work has pushed them out; dropping the caches of
// the whole machine takes privileges a benchmark has not. Dirty pages are written
// first, or the kernel keeps them. A file removed meanwhile (the engine's merges
// remove parts) is passed over. It returns the number of files.
func EvictPageCache(dir string) (int, error) {
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if err = evictFile(path); err == nil {
				files++
			}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	return files, err
}

// evictFile drops the cached pages of one file.
func evictFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return err
	}
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
