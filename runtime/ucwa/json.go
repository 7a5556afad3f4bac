package ucwa

import (
	"bytes"
	"encoding/json"
)

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// obj is a JSON object whose members keep their order: UCWA clients read
// the communication resource's first member as its GUID property.
type obj []kv

// MarshalJSON writes the members in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// href is a link {"href": …}.
func href(h string) obj { return obj{{"href", h}} }

// encode renders a body. The values are the package's own strings,
// numbers and objects, which always encode; should one not, the client
// gets a ServiceFailure error body rather than a broken document.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"code":"ServiceFailure","message":"The response could not be encoded."}`)
	}
	return b
}
