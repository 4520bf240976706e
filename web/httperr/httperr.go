// Package httperr answers an error over HTTP: the one map from an error's code
// (kov.Code) to a status, and the words a reader is shown, for the API (package web),
// the pages (dashboards) and the annual report alike, so that the same fault — a store
// that does not answer, a parameter outside its list — gets the same status whichever
// of them it reaches.
package httperr

import (
	"net/http"

	"ee/kovmon/i18n"
	"ee/kovmon/kov"
)

// statuses is the map from code to HTTP status.
var statuses = map[kov.Code]int{
	kov.Invalid:      http.StatusBadRequest,
	kov.NotFound:     http.StatusNotFound,
	kov.Conflict:     http.StatusConflict,
	kov.Unauthorized: http.StatusUnauthorized,
	kov.Forbidden:    http.StatusForbidden,
	kov.TooLarge:     http.StatusRequestEntityTooLarge,
	kov.TooMany:      http.StatusTooManyRequests,
	kov.Unavailable:  http.StatusServiceUnavailable,
	kov.Internal:     http.StatusInternalServerError,
}

// Status is the HTTP status of err: its code's (kov.ErrorCode), 500 for an error
// without a code, 200 for nil.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if status, ok := statuses[kov.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// Logged tells whether err is the service's fault or the store's, which the log keeps
// (a reader's mistake is not).
func Logged(err error) bool { return Status(err) >= 500 }

// Message is what a reader is shown of err, in lang: the text catalogue's words when
// the error names them (a page's parameter, a shard that does not answer), else its
// message; a store that does not answer says so without its address, and an internal
// error sends the reader to the log, where its details are.
func Message(err error, lang string) string {
	code := kov.ErrorCode(err)
	if code == kov.Internal {
		return i18n.T(lang, "error.internal")
	}
	if key, args, ok := kov.ErrorKey(err); ok {
		return i18n.T(lang, key, args...)
	}
	if code == kov.Unavailable {
		return i18n.T(lang, "error.unavailable")
	}
	return kov.ErrorMessage(err)
}
