package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"reflect"
	"testing"
)

// Cells with commas, quotes and line breaks keep their row and column;
// one a spreadsheet would compute is quoted out of being a formula.
func TestWriteReadsBack(t *testing.T) {
	rows := [][]string{
		{"a,b", `say "hi"`, "two\nlines"},
		{"=1+1", "+x", "-y"},
		{"@SUM(A1)", "\t=x", "plain"},
	}
	b, err := Write([]string{"one", "two", "three"}, rows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := stdcsv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"one", "two", "three"},
		{"a,b", `say "hi"`, "two\nlines"},
		{"'=1+1", "'+x", "'-y"},
		{"'@SUM(A1)", "'\t=x", "plain"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %q\nwant %q", got, want)
	}
	if !bytes.HasSuffix(b, []byte("plain\n")) || bytes.Contains(b, []byte("\r\n")) {
		t.Errorf("lines must end in LF: %q", b)
	}
}
