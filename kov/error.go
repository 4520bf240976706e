package kov

import (
	"errors"
	"fmt"
)

// Code is the kind of an error, by which the adapters answer it: the HTTP layer maps
// each code to one status (package web/httperr), for the API, the pages and the
// report alike. The codes say what went wrong from the caller's side.
type Code string

// The error codes.
const (
	Invalid      Code = "invalid"      // the request or input is wrong: a parameter outside its list, a bad file
	NotFound     Code = "not_found"    // no such figure, page, indicator or municipality
	Conflict     Code = "conflict"     // the request conflicts with the state (a catalogue pinned to a file)
	Unauthorized Code = "unauthorized" // nobody is signed in, and the request needs someone
	Forbidden    Code = "forbidden"    // the one signed in may not do this
	TooLarge     Code = "too_large"    // a body or file over its limit
	TooMany      Code = "too_many"     // too many requests from one client: wait
	Unavailable  Code = "unavailable"  // the store (a server, a shard) does not answer: try again later
	Internal     Code = "internal"     // anything else: a fault of kovmon's, in the log
)

// Codes lists every code.
var Codes = []Code{Invalid, NotFound, Conflict, Unauthorized, Forbidden, TooLarge, TooMany, Unavailable, Internal}

// Error is an error with a code. Message is for people, in English, and says what to
// do next where there is something to do; Key and Args, when set, name the same
// message in the text catalogue (i18n/texts.yaml), so that a page can say it in its
// reader's language. Err is the cause, which errors.Is and errors.As see through.
type Error struct {
	Code    Code
	Message string
	Key     string
	Args    []any
	Err     error
}

// Error is the message (the cause's when there is none).
func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap is the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is the error's code (for the coded interface).
func (e *Error) ErrorCode() Code { return e.Code }

// MessageKey is the text catalogue's key of the message and its arguments, "" when
// the message is not in the catalogue.
func (e *Error) MessageKey() (string, []any) { return e.Key, e.Args }

// coded is an error that knows its code: Error, or an adapter's error of a type of its
// own that carries more (the store's ShardsDownError names the shards).
type coded interface {
	error
	ErrorCode() Code
}

// localized is an error whose message the text catalogue holds: Error with a Key, or
// an adapter's error of its own (the store's ShardsDownError names the shards).
type localized interface {
	error
	MessageKey() (key string, args []any)
}

// ErrorKey is the text catalogue's key (and its arguments) of the message of the
// outermost error in err's chain that has one; ok is false when none has.
func ErrorKey(err error) (key string, args []any, ok bool) {
	for _, e := range chain(err) {
		if l, is := e.(localized); is {
			if key, args := l.MessageKey(); key != "" {
				return key, args, true
			}
		}
	}
	return "", nil, false
}

// chain lists err and the errors it wraps, outermost first (depth first, as
// errors.As walks them).
func chain(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	return out
}

// Errorf returns an Error of code with a formatted message. As with fmt.Errorf, a %w
// verb wraps its argument as the cause (and puts its text into the message).
func Errorf(code Code, format string, args ...any) *Error {
	wrapped := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: wrapped.Error(), Err: errors.Unwrap(wrapped)}
}

// Localized returns an Error of code whose message is the text catalogue's key with
// args; message is its English wording, for logs and for callers without a language.
func Localized(code Code, message, key string, args ...any) *Error {
	return &Error{Code: code, Message: message, Key: key, Args: args}
}

// ErrorCode is the code of err: that of the outermost coded error in its chain,
// Internal for an error without one, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var c coded
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return Internal
}

// ErrorMessage is what a person may be shown of err: its text when it has a code (the
// coded error's message with the context it was wrapped in), or for an error without
// one (which may name files, hosts or queries) a sentence that sends them to the log.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var c coded
	if !errors.As(err, &c) {
		return "internal error; see the server log"
	}
	return err.Error()
}
