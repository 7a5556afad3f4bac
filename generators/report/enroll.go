package report

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/internal/encode/markdown"
	"github.com/mobplan/mobplan/planner/plan"
)

// csTypes are the Set-CsCertificate -Type values of each usage (an Edge
// server's external certificate serves its three external roles; its
// internal interface is "Internal"). RPListener goes on the reverse
// proxy, not on a Skype for Business server.
var csTypes = map[string][]string{
	plan.UsageDefault:             {"Default"},
	plan.UsageWebServicesInternal: {"WebServicesInternal"},
	plan.UsageWebServicesExternal: {"WebServicesExternal"},
	plan.UsageEdgeExternal:        {"AccessEdgeExternal", "DataEdgeExternal", "AudioVideoAuthentication"},
	plan.UsageEdgeInternal:        {"Internal"},
	plan.UsageSBA:                 {"Default"},
}

var ekuText = map[string]string{plan.EKUServerAuth: "Server Authentication", plan.EKUClientAuth: "Client Authentication"}

// plainWord: a name the commands below may carry as it is (file stems,
// DNS names, template names); the certificate generator refuses any
// other, so none is written here either.
func plainWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-*", r)) {
			return false
		}
	}
	return true
}

// refusedName stands in a command for a name no command may carry (the
// certificate generator refuses it, so no request is written either).
const refusedName = "refused-name"

// commandSafe is the certificate with every name the commands use that
// is not a plain word replaced by refusedName.
func commandSafe(c plan.Certificate) plan.Certificate {
	safe := func(s string) string {
		if plainWord(s) {
			return s
		}
		return refusedName
	}
	c.Name, c.Subject = safe(c.Name), safe(c.Subject)
	if c.Template != "" {
		c.Template = safe(c.Template)
	}
	assign := make([]string, len(c.AssignTo))
	for i, a := range c.AssignTo {
		assign[i] = safe(a)
	}
	c.AssignTo = assign
	return c
}

// enrollment writes, per certificate to request, the steps from request
// to installed certificate with their exact commands.
func enrollment(w *writer, p *plan.Plan) {
	w.section("Certificate enrollment")
	var todo []plan.Certificate
	for _, c := range p.Certificates {
		if !c.Existing() {
			todo = append(todo, c)
		}
	}
	if len(todo) == 0 {
		w.line("None planned.")
		return
	}
	w.line("Each certificate, from request to installed, in this order. Paths: `certs/` and `proxy/` are in the artifacts folder, `.mobplan/keys/` in the topology folder. `<CA host>\\<CA name>` is the enterprise CA's configuration string (`certutil -dump` on the CA shows it); the PFX password is asked for, never stored. Internal-CA requests use the template the topology names for their usage (`pki { template }`), which issues exactly the EKU requested.")
	for _, c := range todo {
		w.blank()
		w.line("### " + markdown.Heading(c.Name))
		w.blank()
		c = commandSafe(c)
		var eku []string
		for _, e := range c.EKU {
			eku = append(eku, ekuText[e])
		}
		on := "the reverse proxy " + strings.Join(c.AssignTo, ", ")
		if !hasUsage(c.Usage, plan.UsageRPListener) {
			on = strings.Join(c.AssignTo, ", ")
		}
		issuer := "the enterprise CA, template " + markdown.Code(c.Template)
		if c.Issuer == "public" {
			issuer = "a public CA (see Public CA orders)"
		}
		w.line(fmt.Sprintf("%s for %s, from %s; EKU %s.", markdown.Inline(strings.Join(c.Usage, ", ")), markdown.Inline(on), issuer, markdown.Inline(strings.Join(eku, ", "))))
		w.blank()
		var cmds []string
		if c.Issuer == "public" {
			cmds = publicSteps(c)
		} else {
			cmds = internalSteps(c)
		}
		// A Linux reverse proxy's steps are shell; the others PowerShell.
		fence := "```powershell"
		if hasUsage(c.Usage, plan.UsageRPListener) {
			fence = "```sh"
		}
		w.line(fence)
		for _, l := range cmds {
			w.line(l)
		}
		w.line("```")
	}
}

func hasUsage(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// findCert is the PowerShell line that finds the installed certificate
// by the friendly name the .inf gives it (its newest, after a renewal).
func findCert(c plan.Certificate) string {
	return fmt.Sprintf("$cert = Get-ChildItem Cert:\\LocalMachine\\My | Where-Object { $_.FriendlyName -eq '%s' } | Sort-Object NotBefore | Select-Object -Last 1", c.Name)
}

// assign is the Set-CsCertificate line of a certificate, if it goes on a
// Skype for Business server.
func assign(c plan.Certificate) []string {
	var types []string
	for _, u := range c.Usage {
		types = append(types, csTypes[u]...)
	}
	if len(types) == 0 {
		return nil
	}
	return []string{
		"# Assign it (sfb/configure-mobility.ps1 does the same):",
		fmt.Sprintf("Set-CsCertificate -Type %s -Thumbprint $cert.Thumbprint", strings.Join(types, ",")),
	}
}

// shared: one key on several servers (an Edge pool): exported once as a
// PFX and imported on the others.
func pfxSteps(c plan.Certificate) []string {
	if len(c.AssignTo) < 2 {
		return nil
	}
	if !certs.Exportable(c) {
		// Each server makes its own key.
		return []string{fmt.Sprintf("# Repeat these steps on each of %s.", strings.Join(c.AssignTo[1:], ", "))}
	}
	return []string{
		"# Export it with its key, for the other servers:",
		fmt.Sprintf("Export-PfxCertificate -Cert $cert -FilePath %s.pfx -Password (Read-Host -AsSecureString -Prompt 'PFX password')", c.Name),
		fmt.Sprintf("# On each of %s:", strings.Join(c.AssignTo[1:], ", ")),
		fmt.Sprintf("Import-PfxCertificate -FilePath %s.pfx -CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString -Prompt 'PFX password') -Exportable", c.Name),
		findCert(c),
	}
}

func internalSteps(c plan.Certificate) []string {
	first := "the server it goes on"
	if len(c.AssignTo) > 0 {
		first = c.AssignTo[0]
	}
	out := []string{
		fmt.Sprintf("# On %s: make the key and the request (certs/%s.inf):", first, c.Name),
		fmt.Sprintf("certreq -new %s.inf %s.req", c.Name, c.Name),
		fmt.Sprintf("# Submit it to the enterprise CA (template %s):", c.Template),
		fmt.Sprintf("certreq -submit -config \"<CA host>\\<CA name>\" %s.req %s.cer", c.Name, c.Name),
		fmt.Sprintf("# On %s: install the issued certificate with its key:", first),
		fmt.Sprintf("certreq -accept %s.cer", c.Name),
		findCert(c),
	}
	out = append(out, pfxSteps(c)...)
	return append(out, assign(c)...)
}

// publicSteps: the order is placed with the CSR apply made
// (certs/<name>.csr, key in the key store), so the issued certificate
// goes with .mobplan/keys/<name>.key: PEM files for a Linux reverse
// proxy, a PFX built with openssl for Windows servers.
func publicSteps(c plan.Certificate) []string {
	n := c.Name
	out := []string{
		fmt.Sprintf("# Order: send certs/%s.csr to the public CA (certs/public-ca-orders.csv). Save the issued", n),
		fmt.Sprintf("# certificate as %s.cer and the CA's intermediate certificates as %s.chain.pem, both PEM", n, n),
		fmt.Sprintf("# (a DER certificate converts with: openssl x509 -inform der -in %s.der -out %s.cer).", n, n),
		"# In the topology folder: the certificate belongs to the key apply made (both print the same digest):",
		fmt.Sprintf("openssl x509 -in %s.cer -noout -pubkey | openssl sha256", n),
		fmt.Sprintf("openssl pkey -in .mobplan/keys/%s.key -pubout | openssl sha256", n),
	}
	pfx := fmt.Sprintf("openssl pkcs12 -export -in %s.cer -certfile %s.chain.pem -inkey .mobplan/keys/%s.key -name %s -out %s.pfx", n, n, n, n, n)
	if hasUsage(c.Usage, plan.UsageRPListener) {
		return append(out,
			fmt.Sprintf("# On the reverse proxy, in the folder of nginx.conf and haproxy.cfg (artifacts/proxy), with %s.cer,", n),
			fmt.Sprintf("# %s.chain.pem and the key .mobplan/keys/%s.key copied there over a secure channel:", n, n),
			"mkdir -p tls",
			fmt.Sprintf("cat %s.cer %s.chain.pem > tls/%s.crt", n, n, n),
			fmt.Sprintf("install -m 600 %s.key tls/%s.key", n, n),
			fmt.Sprintf("(umask 077 && cat %s.cer %s.chain.pem %s.key > tls/%s.pem)", n, n, n, n),
			fmt.Sprintf("rm %s.key", n),
			"nginx -t -c \"$PWD/nginx.conf\"",
			"haproxy -c -f haproxy.cfg",
			"# A reverse proxy on Windows imports a PFX instead (openssl asks for its password):",
			pfx,
			fmt.Sprintf("# Requested on Windows instead (certreq -new certs/%s.inf, then certreq -accept), its key is", n),
			"# there: export a PFX (Export-PfxCertificate) and take the PEM files from it:",
			fmt.Sprintf("openssl pkcs12 -in %s.pfx -clcerts -nokeys -out %s.cer", n, n),
			fmt.Sprintf("openssl pkcs12 -in %s.pfx -cacerts -nokeys -out %s.chain.pem", n, n),
			fmt.Sprintf("openssl pkcs12 -in %s.pfx -nocerts -nodes -out %s.key", n, n),
		)
	}
	out = append(out,
		"# Windows servers import a PFX of certificate, chain and key (openssl asks for its password):",
		pfx,
		fmt.Sprintf("# On each of %s:", orDash(strings.Join(c.AssignTo, ", "))),
		fmt.Sprintf("Import-PfxCertificate -FilePath %s.pfx -CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString -Prompt 'PFX password')", n),
		findCert(c),
	)
	return append(out, assign(c)...)
}

// publicOrders lists what to order from a public CA: the same rows as
// certs/public-ca-orders.csv.
func publicOrders(w *writer, p *plan.Plan) {
	w.section("Public CA orders")
	w.rowsTable([]string{"Certificate", "Subject", "SANs", "CSR", "Key", "Install on"}, func(yield func([]string) bool) {
		for _, c := range p.Certificates {
			if c.Issuer != "public" || c.Existing() {
				continue
			}
			if !yield([]string{c.Name, c.Subject, strings.Join(c.SANs, ", "), "certs/" + c.Name + ".csr",
				fmt.Sprintf("%s %d", c.KeyType, c.KeyBits), strings.Join(c.AssignTo, ", ")}) {
				return
			}
		}
	})
	if certs.HasPublicOrders(p.Certificates) {
		w.blank()
		w.line("Also in " + markdown.Code(certs.OrdersPath) + ". A change to a subject or SAN list here means a new order: `mobplan plan` says so (\"re-issue … from the public CA\").")
	}
}
