package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ee/kovmon/store"
)

// The embedded engine's data folder belongs to one process. While `kovmon serve`
// holds it, a command that only reads figures asks the server instead of failing:
// serve leaves its address in the data folder (serveFile), and `kovmon indicators`
// fetches the same CSV or JSON from GET /api/indicators, which is byte for byte what
// the command prints.

// serveFile names the running server's address, in its data folder.
const serveFile = "kovmon-serve.json"

type serveInfo struct {
	PID int    `json:"pid"`
	URL string `json:"url"`
}

// writeServeFile records this process as the server of dataDir at url; remove
// takes the record away at shutdown.
func writeServeFile(dataDir, url string) (remove func(), err error) {
	data, _ := json.Marshal(serveInfo{PID: os.Getpid(), URL: url})
	path := filepath.Join(dataDir, serveFile)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return nil, fmt.Errorf("recording the server's address: %w", err)
	}
	return func() { os.Remove(path) }, nil
}

// runningServer returns the address of the `kovmon serve` that holds the data folder
// of inUse; "" when the folder's holder is not a server that left its address (a
// record left by a killed server names another process).
func runningServer(inUse *store.FolderInUseError) string {
	data, err := os.ReadFile(filepath.Join(inUse.Dir, serveFile))
	if err != nil {
		return ""
	}
	var info serveInfo
	if json.Unmarshal(data, &info) != nil || info.PID == 0 || info.PID != inUse.PID {
		return ""
	}
	return info.URL
}

// fromRunningServer answers a command from the server that holds the data folder,
// when the store could not be opened because of it: it sends method path?query with
// body (nil: none) and copies the answer to standard output. handled is false when
// there is no such server (err is then the original error).
func (m *Main) fromRunningServer(ctx context.Context, openErr error, method, path string, query url.Values, body io.Reader) (handled bool, err error) {
	return m.askRunningServer(ctx, openErr, method, path, query, body, func(resp *http.Response) error {
		_, err := io.Copy(m.Stdout, resp.Body)
		return err
	})
}

// askRunningServer sends the request to the server that holds the data folder and
// gives its answer to use; handled is false when there is no such server (err is then
// the original error). KOVMON_TOKEN is sent as a bearer token, for a server whose
// answers need a sign-in.
func (m *Main) askRunningServer(ctx context.Context, openErr error, method, path string, query url.Values, body io.Reader, use func(*http.Response) error) (handled bool, err error) {
	var inUse *store.FolderInUseError
	if !errors.As(openErr, &inUse) {
		return false, openErr
	}
	base := runningServer(inUse)
	if base == "" {
		return false, openErr
	}
	// A report printed by the server's Chromium can take minutes on a busy machine.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	target := base + path + "?" + query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return true, err
	}
	if token := os.Getenv("KOVMON_TOKEN"); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	fmt.Fprintf(m.Stderr, "kovmon: kovmon serve (process %d) holds %s; asking it: %s %s\n", inUse.PID, inUse.Dir, method, target)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return true, fmt.Errorf("kovmon serve holds the data folder but did not answer at %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			hint = " (set KOVMON_TOKEN to an API token of a user who may read it)"
		}
		return true, serverError{status: resp.StatusCode, msg: fmt.Sprintf("kovmon serve at %s answered %s: %s%s", base, resp.Status, strings.TrimSpace(string(msg)), hint)}
	}
	return true, use(resp)
}

// serverError is a refusal of the running server; a 400 is the command's bad usage.
type serverError struct {
	status int
	msg    string
}

func (e serverError) Error() string { return e.msg }

// asUsage turns the server's 400 into the command's bad usage (exit status 2), as the
// command would have said itself.
func asUsage(err error) error {
	var se serverError
	if errors.As(err, &se) && se.status == http.StatusBadRequest {
		return usageError{se.msg}
	}
	return err
}
