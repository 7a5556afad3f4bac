package labca_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/runtime/labca"
)

func open(t *testing.T, stateDir string) *labca.Authorities {
	t.Helper()
	a, err := labca.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// snapshot is every file under dir: name → bytes (links as "-> target").
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			m[e.Name()] = "-> " + target
		case e.IsDir():
			m[e.Name()] = "(folder)"
		default:
			m[e.Name()] = string(readFile(t, p))
		}
	}
	return m
}

func TestOpenCreates(t *testing.T) {
	state := filepath.Join(t.TempDir(), "runtime")
	a := open(t, state)
	dir := filepath.Join(state, "ca")
	if a.Dir() != dir {
		t.Errorf("Dir() = %s, want %s", a.Dir(), dir)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want 0700", dir, fi.Mode().Perm())
	}
	want := map[string]string{labca.Public: filepath.Join(dir, "public.crt"), labca.Internal: filepath.Join(dir, "internal.crt")}
	got := a.CertFiles()
	if len(got) != 2 || got[labca.Public] != want[labca.Public] || got[labca.Internal] != want[labca.Internal] {
		t.Errorf("CertFiles() = %v, want %v", got, want)
	}
	if a.CertFile("partner") != "" || a.Certificate("partner") != nil {
		t.Error("an unknown issuer has a CA")
	}
	var keys [][]byte
	for _, issuer := range []string{labca.Public, labca.Internal} {
		certFile := a.CertFile(issuer)
		if certFile != want[issuer] {
			t.Errorf("CertFile(%s) = %s, want %s", issuer, certFile, want[issuer])
		}
		keyFile := strings.TrimSuffix(certFile, ".crt") + ".key"
		if fi, err := os.Lstat(keyFile); err != nil {
			t.Fatal(err)
		} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", keyFile, fi.Mode().Perm())
		}
		b, rest := pem.Decode(readFile(t, keyFile))
		if b == nil || b.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
			t.Fatalf("%s is not one PKCS#8 PEM block", keyFile)
		}
		if _, err := x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
			t.Fatalf("%s: %v", keyFile, err)
		}
		b, rest = pem.Decode(readFile(t, certFile))
		if b == nil || b.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
			t.Fatalf("%s is not one PEM certificate", certFile)
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cert.Raw, a.Certificate(issuer).Raw) {
			t.Errorf("Certificate(%s) is not the one in %s", issuer, certFile)
		}
		wantCN := "mobplan lab " + issuer + " CA (not for production)"
		if cert.Subject.CommonName != wantCN {
			t.Errorf("%s CN = %q, want %q", certFile, cert.Subject.CommonName, wantCN)
		}
		if !cert.IsCA || !cert.BasicConstraintsValid || !cert.MaxPathLenZero || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
			t.Errorf("%s is not a CA with path length 0 and keyCertSign", certFile)
		}
		if err := cert.CheckSignatureFrom(cert); err != nil {
			t.Errorf("%s is not self-signed: %v", certFile, err)
		}
		keys = append(keys, cert.RawSubjectPublicKeyInfo)
	}
	if bytes.Equal(keys[0], keys[1]) {
		t.Error("the public and internal CAs share a key")
	}
	// Only the four CA files, no temporary file left behind.
	var names []string
	for n := range snapshot(t, dir) {
		names = append(names, n)
	}
	if len(names) != 4 {
		t.Errorf("ca folder holds %v, want the four CA files", names)
	}
}

func TestOpenReuses(t *testing.T) {
	state := t.TempDir()
	a := open(t, state)
	before := snapshot(t, a.Dir())
	keyFile := filepath.Join(a.Dir(), "internal.key")
	if runtime.GOOS != "windows" {
		// A key copied in with a looser mode is tightened, not rewritten.
		if err := os.Chmod(keyFile, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := open(t, state)
	for _, issuer := range []string{labca.Public, labca.Internal} {
		if !bytes.Equal(a.Certificate(issuer).Raw, b.Certificate(issuer).Raw) {
			t.Errorf("second Open made a new %s CA", issuer)
		}
		if a.CertFile(issuer) != b.CertFile(issuer) {
			t.Errorf("%s CA moved: %s then %s", issuer, a.CertFile(issuer), b.CertFile(issuer))
		}
	}
	after := snapshot(t, b.Dir())
	if len(after) != len(before) {
		t.Errorf("files %v became %v", before, after)
	}
	for n, data := range before {
		if after[n] != data {
			t.Errorf("%s changed on the second Open", n)
		}
	}
	if fi, err := os.Lstat(keyFile); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s left at mode %v", keyFile, fi.Mode().Perm())
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name  string
		links bool
		// breakIt damages the ca folder of a state directory whose CAs
		// exist; the error must contain every string of want.
		breakIt func(t *testing.T, dir string)
		want    []string
	}{
		{
			name:  "certificate is a link",
			links: true,
			breakIt: func(t *testing.T, dir string) {
				elsewhere := filepath.Join(t.TempDir(), "public.crt")
				writeFile(t, elsewhere, readFile(t, filepath.Join(dir, "public.crt")))
				os.Remove(filepath.Join(dir, "public.crt"))
				if err := os.Symlink(elsewhere, filepath.Join(dir, "public.crt")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"public.crt", "symbolic link"},
		},
		{
			name:  "key is a link",
			links: true,
			breakIt: func(t *testing.T, dir string) {
				elsewhere := filepath.Join(t.TempDir(), "internal.key")
				writeFile(t, elsewhere, readFile(t, filepath.Join(dir, "internal.key")))
				os.Remove(filepath.Join(dir, "internal.key"))
				if err := os.Symlink(elsewhere, filepath.Join(dir, "internal.key")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"internal.key", "symbolic link"},
		},
		{
			name:  "dangling link where a certificate is missing",
			links: true,
			breakIt: func(t *testing.T, dir string) {
				for _, f := range []string{"public.crt", "public.key"} {
					os.Remove(filepath.Join(dir, f))
				}
				if err := os.Symlink(filepath.Join(t.TempDir(), "nowhere"), filepath.Join(dir, "public.crt")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"public.key", "public.crt"},
		},
		{
			name: "key is a folder",
			breakIt: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, "public.key"))
				if err := os.Mkdir(filepath.Join(dir, "public.key"), 0o700); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"public.key", "not a regular file", "folder"},
		},
		{
			name: "key of the other CA",
			breakIt: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "public.key"), readFile(t, filepath.Join(dir, "internal.key")))
			},
			want: []string{"public.key does not match", "public.crt"},
		},
		{
			name: "certificate without its key",
			breakIt: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, "internal.key"))
			},
			want: []string{"internal.crt exists but", "internal.key does not", "never overwritten"},
		},
		{
			name: "key without its certificate",
			breakIt: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, "internal.crt"))
			},
			want: []string{"internal.key exists but", "internal.crt does not"},
		},
		{
			name: "certificate is not PEM",
			breakIt: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "public.crt"), []byte("not a certificate\n"))
			},
			want: []string{"public.crt", "no PEM block"},
		},
		{
			name: "key is not PKCS#8",
			breakIt: func(t *testing.T, dir string) {
				b, _ := pem.Decode(readFile(t, filepath.Join(dir, "internal.key")))
				writeFile(t, filepath.Join(dir, "internal.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b.Bytes}))
			},
			want: []string{"internal.key", "PKCS#8"},
		},
		{
			name: "both CAs the same",
			breakIt: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "internal.crt"), readFile(t, filepath.Join(dir, "public.crt")))
				writeFile(t, filepath.Join(dir, "internal.key"), readFile(t, filepath.Join(dir, "public.key")))
			},
			want: []string{"public.crt", "internal.crt", "same key"},
		},
		{
			name:  "ca folder is a link",
			links: true,
			breakIt: func(t *testing.T, dir string) {
				elsewhere := filepath.Join(t.TempDir(), "ca")
				if err := os.Rename(dir, elsewhere); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(elsewhere, dir); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"ca is not a folder", "symbolic link"},
		},
		{
			name: "ca is a file",
			breakIt: func(t *testing.T, dir string) {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				writeFile(t, dir, []byte("x"))
			},
			want: []string{"ca is not a folder"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.links && runtime.GOOS == "windows" {
				t.Skip("symbolic links need privileges on Windows")
			}
			state := t.TempDir()
			dir := filepath.Join(state, "ca")
			open(t, state)
			tt.breakIt(t, dir)
			var before map[string]string
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				before = snapshot(t, dir)
			}
			_, err := labca.Open(state)
			if err == nil {
				t.Fatal("Open accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// Nothing was overwritten, made or removed.
			if before != nil {
				after := snapshot(t, dir)
				if len(after) != len(before) {
					t.Errorf("files %v became %v", keysOf(before), keysOf(after))
				}
				for n, data := range before {
					if after[n] != data {
						t.Errorf("%s changed", n)
					}
				}
			}
		})
	}
}

func keysOf(m map[string]string) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}

func TestPool(t *testing.T) {
	a := open(t, t.TempDir())
	pub, internal := a.Certificate(labca.Public), a.Certificate(labca.Internal)
	verify := func(pool *x509.CertPool, ca *x509.Certificate) bool {
		_, err := ca.Verify(x509.VerifyOptions{Roots: pool})
		return err == nil
	}
	if p := a.Pool(labca.Public); !verify(p, pub) || verify(p, internal) {
		t.Error(`Pool("public") should trust the public CA only`)
	}
	if p := a.Pool(labca.PoolAll); !verify(p, pub) || !verify(p, internal) {
		t.Error(`Pool("all") should trust both CAs`)
	}
	for _, which := range []string{"", "internal-only", "ALL"} {
		p := a.Pool(which)
		if p == nil {
			t.Fatalf("Pool(%q) is nil, which crypto/tls reads as the system roots", which)
		}
		if verify(p, pub) || verify(p, internal) {
			t.Errorf("Pool(%q) trusts a lab CA", which)
		}
	}
}

// TestOpenConcurrently opens a fresh state directory from several
// goroutines at once (as two runs without the state lock would): each
// either gets the one CA pair on disk or an error, and what is left on
// disk opens.
func TestOpenConcurrently(t *testing.T) {
	state := t.TempDir()
	const n = 4
	type result struct {
		a   *labca.Authorities
		err error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			a, err := labca.Open(state)
			results <- result{a, err}
		}()
	}
	var opened []*labca.Authorities
	for range n {
		r := <-results
		if r.err == nil {
			opened = append(opened, r.a)
		}
	}
	final := open(t, state)
	for _, a := range opened {
		for _, issuer := range []string{labca.Public, labca.Internal} {
			if !bytes.Equal(a.Certificate(issuer).Raw, final.Certificate(issuer).Raw) {
				t.Errorf("a concurrent Open returned a %s CA that is not the one on disk", issuer)
			}
		}
	}
	if len(snapshot(t, final.Dir())) != 4 {
		t.Errorf("ca folder holds %v", keysOf(snapshot(t, final.Dir())))
	}
}
