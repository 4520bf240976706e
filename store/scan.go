package store

import (
	"context"
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	kovsql "ee/kovmon/sql"
)

// Select runs the query file name (sql/<name>.sql) and scans its rows into T by
// column name (see Scan).
func Select[T any](ctx context.Context, s Store, name string, params Params) ([]T, error) {
	res, err := s.Query(ctx, kovsql.Query(name), params)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return Scan[T](res, name)
}

// SelectOne is Select for a query that answers one row; ok is false when it answers
// none, and more than one is an error.
func SelectOne[T any](ctx context.Context, s Store, name string, params Params) (row T, ok bool, err error) {
	rows, err := Select[T](ctx, s, name, params)
	switch {
	case err != nil:
		return row, false, err
	case len(rows) == 0:
		return row, false, nil
	case len(rows) > 1:
		return row, false, fmt.Errorf("%s: %d rows, want one", name, len(rows))
	}
	return rows[0], true, nil
}

// Scan reads a result into structs of type T, matching each field tagged `ch:"name"`
// with the column of that name, so that the order of a query's columns does not
// matter and a renamed or reordered column cannot silently land in another field.
// Every tagged field must have its column and every column its field; a value that
// does not convert (a NULL into a field that is not a pointer, text into a number) is
// an error that names query, column and row. Field types: string, the integer and
// float kinds, bool, time.Time (dates and DateTime64 as UTC), []string
// (Array(String)), anything with UnmarshalText, and pointers to those for Nullable
// columns (nil for NULL).
func Scan[T any](res *Result, query string) ([]T, error) {
	fields, err := fieldsOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", query, err)
	}
	index := make([]int, len(res.Columns)) // column → field
	seen := make([]bool, len(fields))
	for j, c := range res.Columns {
		index[j] = -1
		for k, f := range fields {
			if f.column == c {
				index[j], seen[k] = k, true
			}
		}
		if index[j] < 0 {
			return nil, fmt.Errorf("%s: column %q has no field in %s", query, c, reflect.TypeFor[T]())
		}
	}
	for k, f := range fields {
		if !seen[k] && len(res.Columns) > 0 {
			return nil, fmt.Errorf("%s: no column %q for %s.%s", query, f.column, reflect.TypeFor[T](), f.name)
		}
	}
	out := make([]T, len(res.Rows))
	for i, row := range res.Rows {
		if len(row) != len(res.Columns) {
			return nil, fmt.Errorf("%s: row %d has %d cells for %d columns", query, i+1, len(row), len(res.Columns))
		}
		v := reflect.ValueOf(&out[i]).Elem()
		for j, text := range row {
			f := fields[index[j]]
			if err := setField(v.Field(f.index), text, res.IsNull(i, j)); err != nil {
				return nil, fmt.Errorf("%s: row %d, column %s: %w", query, i+1, f.column, err)
			}
		}
	}
	return out, nil
}

type field struct {
	name, column string
	index        int
}

var fieldCache sync.Map // reflect.Type → []field

func fieldsOf(t reflect.Type) ([]field, error) {
	if cached, ok := fieldCache.Load(t); ok {
		return cached.([]field), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("rows scan into structs, not %s", t)
	}
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, tagged := sf.Tag.Lookup("ch")
		switch {
		case tag == "-":
			continue
		case !tagged && sf.IsExported():
			return nil, fmt.Errorf("%s.%s has no ch tag (the column it is read from, or \"-\")", t, sf.Name)
		case !tagged:
			continue
		case !sf.IsExported():
			return nil, fmt.Errorf("%s.%s is tagged but not exported", t, sf.Name)
		}
		fields = append(fields, field{name: sf.Name, column: tag, index: i})
	}
	fieldCache.Store(t, fields)
	return fields, nil
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// setField converts one cell's text into v.
func setField(v reflect.Value, text string, null bool) error {
	if v.Kind() == reflect.Pointer {
		if null {
			v.SetZero()
			return nil
		}
		target := reflect.New(v.Type().Elem())
		if err := setField(target.Elem(), text, false); err != nil {
			return err
		}
		v.Set(target)
		return nil
	}
	if null {
		return fmt.Errorf("NULL, but %s cannot hold it (a pointer can)", v.Type())
	}
	if v.Addr().Type().Implements(textUnmarshalerType) && v.Type() != timeType {
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(text, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(text, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("cannot scan into %s", v.Type())
		}
		items, err := parseStringArray(text)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(items).Convert(v.Type()))
	case reflect.Struct:
		if v.Type() != timeType {
			return fmt.Errorf("cannot scan into %s", v.Type())
		}
		t, err := parseTime(text)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(t))
	default:
		return fmt.Errorf("cannot scan into %s", v.Type())
	}
	return nil
}

// parseTime reads a Date, DateTime or DateTime64 as ClickHouse prints it, in UTC.
func parseTime(text string) (time.Time, error) {
	layout := time.DateTime
	switch {
	case len(text) == len(time.DateOnly):
		layout = time.DateOnly
	case len(text) > len(time.DateTime):
		layout = "2006-01-02 15:04:05." + strings.Repeat("0", len(text)-len(time.DateTime)-1)
	}
	return time.ParseInLocation(layout, text, time.UTC)
}

// parseStringArray reads an Array(String) in ClickHouse's quoted text form,
// ['a','b\'c'], undoing the backslash escapes inside the quotes.
func parseStringArray(text string) ([]string, error) {
	if !strings.HasPrefix(text, "[") || !strings.HasSuffix(text, "]") {
		return nil, fmt.Errorf("%q is not an array", text)
	}
	body := text[1 : len(text)-1]
	items := []string{}
	for i := 0; i < len(body); {
		if body[i] != '\'' {
			return nil, fmt.Errorf("%q: an item at %d is not a quoted string", text, i+1)
		}
		var b strings.Builder
		i++
		for ; i < len(body) && body[i] != '\''; i++ {
			c := body[i]
			if c == '\\' && i+1 < len(body) {
				i++
				c = unescapeByte(body[i])
			}
			b.WriteByte(c)
		}
		if i >= len(body) {
			return nil, fmt.Errorf("%q: a quoted item does not end", text)
		}
		items = append(items, b.String())
		i++ // the closing quote
		if i < len(body) {
			if body[i] != ',' {
				return nil, fmt.Errorf("%q: items must be separated by commas", text)
			}
			i++
		}
	}
	return items, nil
}

// unescapeByte is the byte a backslash escape stands for in ClickHouse's text forms.
func unescapeByte(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case '0':
		return 0
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	}
	return c
}
