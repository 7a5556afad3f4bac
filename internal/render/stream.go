package render

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
)

// writeJSON writes v as json.MarshalIndent(v, "", "  ") does, with a
// final newline, without holding the whole encoding: a struct's fields
// and a top-level slice's elements are encoded one at a time (each
// element is small; the list of them is what grows with a deployment).
// Anything but a pointer to a struct of plainly tagged fields is
// encoded whole.
func writeJSON(w io.Writer, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct || !plainStruct(rv.Elem().Type()) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	sv := rv.Elem()
	ew := &errWriter{w: w}
	ew.write("{")
	n := 0
	for i := 0; i < sv.NumField(); i++ {
		f := sv.Type().Field(i)
		name, omit, skip := jsonField(f)
		fv := sv.Field(i)
		if skip || omit && emptyValue(fv) {
			continue
		}
		if n > 0 {
			ew.write(",")
		}
		n++
		key, _ := json.Marshal(name)
		ew.write("\n  " + string(key) + ": ")
		if streamable(fv) {
			ew.write("[")
			for j := 0; j < fv.Len(); j++ {
				if j > 0 {
					ew.write(",")
				}
				ew.write("\n    ")
				ew.marshal(fv.Index(j).Interface(), "    ")
			}
			ew.write("\n  ]")
			continue
		}
		ew.marshal(fv.Interface(), "  ")
	}
	if n > 0 {
		ew.write("\n")
	}
	ew.write("}\n")
	return ew.err
}

// streamable reports whether the field is a list encoded element by
// element: not bytes (base64) and not a type with its own encoding.
func streamable(v reflect.Value) bool {
	m := reflect.TypeFor[json.Marshaler]()
	return v.Kind() == reflect.Slice && v.Len() > 0 && v.Type().Elem().Kind() != reflect.Uint8 &&
		!v.Type().Implements(m) && !reflect.PointerTo(v.Type()).Implements(m)
}

// plainStruct reports whether every field is one writeJSON lays out as
// encoding/json does: exported, not embedded, with no marshaler of its
// own on the struct.
func plainStruct(t reflect.Type) bool {
	m := reflect.TypeFor[json.Marshaler]()
	if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			return false
		}
		if _, opts, _ := strings.Cut(f.Tag.Get("json"), ","); opts != "" && opts != "omitempty" {
			return false
		}
	}
	return true
}

// jsonField is a field's name in JSON and whether it is left out when
// empty or always.
func jsonField(f reflect.StructField) (name string, omitEmpty, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, true
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, opts == "omitempty", false
}

// emptyValue is encoding/json's test for omitempty.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// errWriter keeps the first error; the encoding stops writing there.
type errWriter struct {
	w   io.Writer
	err error
	buf bytes.Buffer
}

func (e *errWriter) write(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *errWriter) marshal(v any, prefix string) {
	if e.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.err = err
		return
	}
	e.buf.Reset()
	if e.err = json.Indent(&e.buf, b, prefix, "  "); e.err == nil {
		_, e.err = e.w.Write(e.buf.Bytes())
	}
}
