//go:build !linux

package cputime

import "errors"

// EvictPageCache is Linux's alone (posix_fadvise): elsewhere an error.
func EvictPageCache(dir string) (int, error) {
	return 0, errors.New("evicting a folder from the page cache is supported on Linux only")
}
