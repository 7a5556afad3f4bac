package proxy

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/internal/encode"
)

// nginx reads its configuration as tokens (ngx_conf_file.c): words end at
// whitespace, ';', '{' or '}'; '#' starts a comment to the end of the
// line; single or double quotes make one token of what they hold, with
// '\' escaping the next character; and in most directives '$' starts a
// variable, which has no escape. Values are written as follows:
//
//   - comments: any text on one line (encode.Line);
//   - server names: DNS names (a leading "*." label allowed), never a
//     regular expression ("~...") or anything else nginx reads specially;
//   - addresses: IP addresses and host names with a port;
//   - other strings (file paths): bare when made of safe characters,
//     otherwise double-quoted with '\' and '"' escaped; '$' and text
//     that cannot stand on one line are refused.

// nginxComment is a comment line at the given indentation.
func nginxComment(indent, text string) (string, error) {
	if err := encode.Line(text); err != nil {
		return "", fmt.Errorf("cannot be written in an nginx comment: %w", err)
	}
	return indent + "# " + text + "\n", nil
}

// nginxServerNames is the argument list of server_name: the names,
// lower-case, each a DNS name.
func nginxServerNames(names []string) (string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		if err := encode.DNSName(n, encode.DNSOptions{Wildcard: true, Single: true}); err != nil {
			return "", fmt.Errorf("server_name: %w", err)
		}
		out[i] = strings.ToLower(strings.TrimSuffix(n, "."))
	}
	if len(out) == 0 {
		return "", fmt.Errorf("server_name: no name")
	}
	return strings.Join(out, " "), nil
}

// nginxString is s as one nginx token.
func nginxString(s string) (string, error) {
	if err := encode.Line(s); err != nil {
		return "", fmt.Errorf("cannot be written in nginx.conf: %w", err)
	}
	if strings.Contains(s, "$") {
		return "", fmt.Errorf("%q cannot be written in nginx.conf: '$' starts a variable there", s)
	}
	bare := s != ""
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-/:@+=,", c) >= 0) {
			bare = false
		}
	}
	if bare {
		return s, nil
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`, nil
}

// hostPort checks an address written as host:port (as Options' functions
// return it) before it goes into a configuration.
func hostPort(s string) (string, error) {
	if err := encode.HostPort(s); err != nil {
		return "", err
	}
	return s, nil
}

// joinHostPort is host:port of a planned address or host name, checked.
func joinHostPort(host string, port int) (string, error) {
	if err := encode.Host(host); err != nil {
		return "", err
	}
	return hostPort(net.JoinHostPort(host, strconv.Itoa(port)))
}

// scheme is a back end's URL scheme.
func scheme(s string) (string, error) {
	if s != "http" && s != "https" {
		return "", fmt.Errorf("back-end scheme %q is neither http nor https", s)
	}
	return s, nil
}

// certName is a listener certificate's name, the stem of its files.
func certName(s string) (string, error) {
	if err := encode.Name(s); err != nil {
		return "", fmt.Errorf("listener certificate: %w", err)
	}
	return s, nil
}
