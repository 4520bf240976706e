package kov

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestErrorCode: the code of an error is its outermost coded error's, through
// fmt.Errorf's %w and errors.Join; an error without one is internal.
func TestErrorCode(t *testing.T) {
	notFound := Errorf(NotFound, "no figure of %s", "I.4")
	for _, tc := range []struct {
		err  error
		want Code
	}{
		{nil, ""},
		{io.EOF, Internal},
		{notFound, NotFound},
		{fmt.Errorf("explain: %w", notFound), NotFound},
		{Errorf(Unavailable, "the store does not answer: %w", notFound), Unavailable},
		{errors.Join(io.EOF, fmt.Errorf("load: %w", Errorf(TooLarge, "big"))), TooLarge},
	} {
		if got := ErrorCode(tc.err); got != tc.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestErrorf: %w wraps the cause (errors.Is sees it) and puts its text in the message.
func TestErrorf(t *testing.T) {
	err := Errorf(Unavailable, "ClickHouse server %s: %w", "ch1:9000", io.ErrUnexpectedEOF)
	if !errors.Is(err, io.ErrUnexpectedEOF) || err.Error() != "ClickHouse server ch1:9000: unexpected EOF" {
		t.Errorf("Errorf: %q, Is(ErrUnexpectedEOF) %v", err, errors.Is(err, io.ErrUnexpectedEOF))
	}
	if ErrorMessage(fmt.Errorf("explain: %w", err)) != "explain: "+err.Error() {
		t.Errorf("ErrorMessage of a wrapped coded error: %q", ErrorMessage(fmt.Errorf("explain: %w", err)))
	}
	if got := ErrorMessage(errors.New("SELECT secret FROM t")); got != "internal error; see the server log" {
		t.Errorf("ErrorMessage of an error without a code: %q", got)
	}
}

// TestErrorKey finds the text catalogue's key of the outermost error that has one.
func TestErrorKey(t *testing.T) {
	inner := Localized(Invalid, "The year must be …", "error.bad_year", "218", "2016, 2017")
	outer := fmt.Errorf("page: %w", Errorf(Invalid, "no key: %w", inner))
	key, args, ok := ErrorKey(outer)
	if !ok || key != "error.bad_year" || fmt.Sprint(args) != "[218 2016, 2017]" {
		t.Errorf("ErrorKey = %q %v %v", key, args, ok)
	}
	if _, _, ok := ErrorKey(Errorf(NotFound, "x")); ok {
		t.Error("an error without a key has one")
	}
	if ErrorCode(outer) != Invalid {
		t.Errorf("code %q", ErrorCode(outer))
	}
}
