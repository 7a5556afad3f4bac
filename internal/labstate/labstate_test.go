package labstate

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPasswordsRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".mobplan")
	lp := &Passwords{FormatVersion: "1", Users: map[string]string{"alice@contoso.com": "s3cret"}}
	if err := WritePasswords(dir, lp); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, PasswordsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("passwords file: %v, mode %v", err, fi)
	}
	if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
		t.Errorf("state folder mode %o", d.Mode().Perm())
	}
	got, err := ReadPasswords(dir)
	if err != nil || got.Users["alice@contoso.com"] != "s3cret" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if err := WritePasswords(dir, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPasswords(dir); err != nil || len(got.Users) != 0 {
		t.Errorf("after removal: %+v, %v", got, err)
	}
}
