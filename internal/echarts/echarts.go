// Package echarts finds the ECharts script (echarts.min.js) that `make deps` installs
// from npm, which the dashboards serve and the annual report inlines: kovmon never
// loads it from a CDN, as ministries run offline networks.
package echarts

import (
	"os"
	"path/filepath"
)

// Env names the environment variable that points at echarts.min.js.
const Env = "KOVMON_ECHARTS"

// Relative is where `make deps` installs the script, relative to the repository.
var Relative = filepath.Join(".deps", "echarts", "node_modules", "echarts", "dist", "echarts.min.js")

// Find returns the script's path: $KOVMON_ECHARTS, else the installed copy looked
// for from the working folder upwards (go test runs in a package's folder), else
// beside the executable's folder (bin/kovmon); "" when there is none.
func Find() string {
	if p := os.Getenv(Env); p != "" {
		return p
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			if p := filepath.Join(dir, Relative); exists(p) {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if exe, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(filepath.Dir(exe)), Relative); exists(p) {
			return p
		}
	}
	return ""
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
