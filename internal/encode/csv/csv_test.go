package csv

import "testing"

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+cmd": "'+cmd", "-2": "'-2", "@SUM(1)": "'@SUM(1)", "\t=1": "'\t=1", "\r=1": "'\r=1",
		"": "", "contoso.com": "contoso.com", "a=b": "a=b", "'=x": "'=x",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWrite(t *testing.T) {
	b, err := Write([]string{"a", "b"}, [][]string{{"=x", "y,z"}, {" lead", "q\"uote"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a,b\n'=x,\"y,z\"\n\" lead\",\"q\"\"uote\"\n"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}
