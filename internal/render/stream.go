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
	ew := &errWriter{w: w, types: map[reflect.Type]*typeInfo{}}
	if rv.Kind() != reflect.Pointer || rv.IsNil() || !ew.info(rv.Elem().Type()).plain {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	ew.structFields(rv.Elem(), "")
	ew.write("\n")
	ew.flush()
	return ew.err
}

// structFields writes the plain struct sv (addressable) as an object
// whose lines after the first start with prefix.
func (e *errWriter) structFields(sv reflect.Value, prefix string) {
	inner := prefix + "  "
	e.write("{")
	n := 0
	for _, f := range e.info(sv.Type()).fields {
		fv := sv.Field(f.index)
		if f.omitEmpty && emptyValue(fv) {
			continue
		}
		if n > 0 {
			e.write(",")
		}
		n++
		e.write("\n", inner, f.key, ": ")
		switch {
		case e.info(fv.Type()).plain:
			e.structFields(fv, inner)
		case e.streamable(fv):
			elem, deeper := e.info(fv.Type().Elem()), inner+"  "
			for j := 0; j < fv.Len(); j++ {
				if j == 0 {
					e.write("[\n", deeper)
				} else {
					e.write(",\n", deeper)
				}
				e.element(fv.Index(j), elem, deeper)
			}
			e.write("\n", inner, "]")
		default:
			e.marshal(fv.Addr().Interface(), inner)
		}
	}
	if n > 0 {
		e.write("\n", prefix)
	}
	e.write("}")
}

// element writes a list's element ev (addressable), of a type t
// describes: a plain struct field by field, a plain string as it is,
// anything else marshalled. A list of certificates at 10,000 SIP domains
// is 9 million names: marshalled whole and indented, each certificate
// was copied three times.
func (e *errWriter) element(ev reflect.Value, t *typeInfo, prefix string) {
	switch {
	case t.plain:
		e.structFields(ev, prefix)
	case ev.Kind() == reflect.String && !t.own && plainString(ev.String()):
		e.write(`"`, ev.String(), `"`)
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
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// plainByte is plainString's test of one byte, as a table: the names of
// a large plan are millions.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

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
func (e *errWriter) streamable(v reflect.Value) bool {
	return v.Kind() == reflect.Slice && v.Len() > 0 && v.Type().Elem().Kind() != reflect.Uint8 && !e.info(v.Type()).own
}

// typeInfo is what the encoding needs of a type, worked out once per
// encoding: the reflection behind it cost more than the writing, once
// per element of a list of millions.
type typeInfo struct {
	own    bool        // it encodes itself (ownEncoding)
	plain  bool        // a plain struct (plainStruct)
	fields []fieldInfo // a plain struct's fields, "-" ones left out
}

type fieldInfo struct {
	index     int
	key       string // the name in JSON, quoted
	omitEmpty bool
}

func (e *errWriter) info(t reflect.Type) *typeInfo {
	if ti, ok := e.types[t]; ok {
		return ti
	}
	ti := &typeInfo{own: ownEncoding(t), plain: plainStruct(t)}
	if ti.plain {
		for i := 0; i < t.NumField(); i++ {
			name, omit, skip := jsonField(t.Field(i))
			if !skip {
				// A plain name needs no escaping (plainName).
				ti.fields = append(ti.fields, fieldInfo{index: i, key: `"` + name + `"`, omitEmpty: omit})
			}
		}
	}
	e.types[t] = ti
	return ti
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
// What it writes is gathered into chunks of flushSize, so that a name
// is one append, not a write of its own.
type errWriter struct {
	w     io.Writer
	err   error
	out   []byte       // appended to (bytes.Buffer measured 4-15 % slower)
	buf   bytes.Buffer // marshal's indenting
	types map[reflect.Type]*typeInfo
}

const flushSize = 64 << 10

func (e *errWriter) write(parts ...string) {
	if e.err != nil {
		return
	}
	for _, s := range parts {
		e.out = append(e.out, s...)
	}
	e.spill()
}

// spill writes a full chunk.
func (e *errWriter) spill() {
	if len(e.out) >= flushSize {
		e.flush()
	}
}

// flush writes what is gathered.
func (e *errWriter) flush() {
	if e.err == nil && len(e.out) > 0 {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
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
		e.out = append(e.out, e.buf.Bytes()...)
		e.spill()
	}
}
