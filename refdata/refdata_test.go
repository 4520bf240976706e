package refdata

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFilesAreEmbedded: every file the package names is in the binary.
func TestFilesAreEmbedded(t *testing.T) {
	for _, name := range []string{Municipalities, Mergers, Population, Boundaries2018} {
		data, err := Read(name)
		if err != nil || len(data) == 0 {
			t.Errorf("%s: %d bytes, %v", name, len(data), err)
		}
		onDisk, err := os.ReadFile(Path(name))
		if err != nil || string(onDisk) != string(data) {
			t.Errorf("%s: the source tree's copy differs from the embedded one (%v)", name, err)
		}
	}
}

// TestNothingReachesOutsideTheRepository: the code, the tests and the build read
// nothing from beside the clone (the reference folder ../shared is where these files
// came from, not where kovmon finds them), so that a clone works on its own.
func TestNothingReachesOutsideTheRepository(t *testing.T) {
	top := filepath.Dir(Dir())
	out, err := exec.Command("git", "-C", top, "ls-files").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	outside := regexp.MustCompile(`\.\./shared|/work/shared`)
	checked := 0
	for _, name := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch filepath.Ext(name) {
		case ".go", ".sh", ".yaml", ".yml":
		default:
			if filepath.Base(name) != "Makefile" && !strings.HasPrefix(name, ".ci/") {
				continue
			}
		}
		if name == "refdata/refdata_test.go" {
			continue // names the pattern
		}
		data, err := os.ReadFile(filepath.Join(top, name))
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for i, line := range strings.Split(string(data), "\n") {
			if outside.MatchString(line) {
				t.Errorf("%s:%d reaches outside the repository: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files", checked)
	}
}
