package render

import (
	"bytes"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// writeJSON writes v as json.MarshalIndent(v, "", "  ") does, with a
// final newline, without holding the whole encoding: the fields of a
// struct (and of the structs in its fields) and the elements of the
// lists among them are encoded one at a time. Each element is small;
// the lists are what grow with a deployment. A value whose layout is
// not plainly encoding/json's (a type with its own encoding, a tag with
// options other than omitempty, a name encoding/json would not take) is
// encoded whole, as MarshalIndent encodes it.
func writeJSON(w io.Writer, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || !plainStruct(rv.Elem().Type()) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	ew := &errWriter{w: w}
	ew.structFields(rv.Elem(), "")
	ew.write("\n")
	return ew.err
}

// structFields writes the plain struct sv (addressable) as an object
// whose lines after the first start with prefix.
func (e *errWriter) structFields(sv reflect.Value, prefix string) {
	inner := prefix + "  "
	e.write("{")
	n := 0
	for i := 0; i < sv.NumField(); i++ {
		name, omit, skip := jsonField(sv.Type().Field(i))
		fv := sv.Field(i)
		if skip || omit && emptyValue(fv) {
			continue
		}
		if n > 0 {
			e.write(",")
		}
		n++
		key, _ := json.Marshal(name)
		e.write("\n" + inner + string(key) + ": ")
		switch {
		case plainStruct(fv.Type()):
			e.structFields(fv, inner)
		case streamable(fv):
			e.write("[")
			for j := 0; j < fv.Len(); j++ {
				if j > 0 {
					e.write(",")
				}
				e.write("\n" + inner + "  ")
				e.element(fv.Index(j), inner+"  ")
			}
			e.write("\n" + inner + "]")
		default:
			e.marshal(fv.Addr().Interface(), inner)
		}
	}
	if n > 0 {
		e.write("\n" + prefix)
	}
	e.write("}")
}

// element writes a list's element ev (addressable): a plain struct field
// by field, a plain string as it is, anything else marshalled. A list of
// certificates at 10,000 SIP domains is 9 million names: marshalled
// whole and indented, each certificate was copied three times.
func (e *errWriter) element(ev reflect.Value, prefix string) {
	switch {
	case plainStruct(ev.Type()):
		e.structFields(ev, prefix)
	case ev.Kind() == reflect.String && !ownEncoding(ev.Type()) && plainString(ev.String()):
		e.write(`"` + ev.String() + `"`)
	default:
		// By address, as encoding/json reaches an element of a value it
		// was given a pointer to.
		e.marshal(ev.Addr().Interface(), prefix)
	}
}

// plainString: encoding/json writes s between quotes as it is (printable
// ASCII, none of " \\ < > &, which it escapes).
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= utf8.RuneSelf, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// ownEncoding reports whether t, or a pointer to it, encodes itself.
func ownEncoding(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(marshalerType) || pt.Implements(marshalerType) || t.Implements(textMarshalerType) || pt.Implements(textMarshalerType)
}

// streamable reports whether the field is a list written element by
// element: not bytes (base64), not a type with its own encoding.
func streamable(v reflect.Value) bool {
	return v.Kind() == reflect.Slice && v.Len() > 0 && v.Type().Elem().Kind() != reflect.Uint8 && !ownEncoding(v.Type())
}

// plainStruct reports whether t is a struct structFields lays out as
// encoding/json does: no encoding of its own, every field exported and
// not embedded, tagged with a plain name that no other field has, and
// no option but omitempty.
func plainStruct(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || ownEncoding(t) {
		return false
	}
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			return false
		}
		name, _, skip := jsonField(f)
		if _, opts, _ := strings.Cut(f.Tag.Get("json"), ","); opts != "" && opts != "omitempty" {
			return false
		}
		if skip {
			continue
		}
		if !plainName(name) || names[name] {
			return false
		}
		names[name] = true
	}
	return true
}

// plainName is a name encoding/json takes as tagged: letters, digits and
// '_' or '-' here (it takes more, and falls back on the field's name for
// others; such a struct is encoded whole).
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
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
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
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
