package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// An output keeps its bytes, or their digest only; either way it knows
// how its text ends, whatever the sizes of the writes.
func TestOutput(t *testing.T) {
	// Some past spillSize: a hashing output then hashes what it has,
	// and knows its end from the bytes it hashed; the second list fills
	// it exactly, so nothing is left unhashed.
	for _, writes := range [][]string{
		{"# Title\n", "\n", "a", "bc", strings.Repeat("x", 20) + "\n\n", "", "y\n", "\n",
			strings.Repeat("z", spillSize) + "\n\n", "y", "\n", strings.Repeat("w", spillSize-1), "x\n", "\n", "\n"},
		{strings.Repeat("z", spillSize-2) + "\n\n", "y", "\n", "\n"},
	} {
		checkOutput(t, writes)
	}
}

func checkOutput(t *testing.T, writes []string) {
	t.Helper()
	var all strings.Builder
	kept, hashed := NewOutput(false), NewOutput(true)
	for i, s := range writes {
		all.WriteString(s)
		for _, o := range []*Output{kept, hashed} {
			switch i % 3 {
			case 0:
				o.WriteString(s)
			case 1:
				o.Write([]byte(s))
			default:
				for j := 0; j < len(s); j++ {
					o.WriteByte(s[j])
				}
			}
		}
		for _, end := range []string{"\n\n", "\n", "y\n", "x\n\n", "z\n\n", "\n\ny", "", "w\nx\n\n"} {
			want := strings.HasSuffix(all.String(), end)
			if kept.EndsWith(end) != want || hashed.EndsWith(end) != want {
				t.Fatalf("after %d writes: ends with %q: kept %v, hashed %v, want %v", i+1, end, kept.EndsWith(end), hashed.EndsWith(end), want)
			}
		}
	}
	sum := sha256.Sum256([]byte(all.String()))
	if f := kept.File("a.md"); string(f.Data) != all.String() || f.Sum != "" || f.Path != "a.md" {
		t.Errorf("kept: %d bytes, sum %q", len(f.Data), f.Sum)
	}
	if f := hashed.File("a.md"); f.Data != nil || f.Sum != hex.EncodeToString(sum[:]) || hashed.Bytes() != nil {
		t.Errorf("hashed: %d bytes, sum %q", len(f.Data), f.Sum)
	}
}

// Finish lets the bytes go only in a run that keeps digests, and never
// a pending file's.
func TestFinish(t *testing.T) {
	f := File{Path: "x", Data: []byte("x\n")}
	sum := sha256.Sum256(f.Data)
	if got := (&Context{}).Finish(f); string(got.Data) != "x\n" || got.Sum != "" {
		t.Errorf("kept: %+v", got)
	}
	if got := (&Context{DigestsOnly: true}).Finish(f); got.Data != nil || got.Sum != hex.EncodeToString(sum[:]) {
		t.Errorf("digest: %+v", got)
	}
	pending := File{Path: "y", Pending: "new key and CSR on apply"}
	if got := (&Context{DigestsOnly: true}).Finish(pending); got.Sum != "" || got.Pending == "" {
		t.Errorf("pending: %+v", got)
	}
}
