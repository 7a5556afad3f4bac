package csv

import "testing"

func TestEncode(t *testing.T) {
	b, err := Encode([]string{"a", "b"}, [][]string{{"=1+1", "x, y"}, {"-2", `say "hi"`}})
	if err != nil {
		t.Fatal(err)
	}
	want := "a,b\n'=1+1,\"x, y\"\n'-2,\"say \"\"hi\"\"\"\n"
	if string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	if _, err := Encode([]string{"a"}, [][]string{{"1", "2"}}); err == nil {
		t.Error("a row longer than the header was written")
	}
}
