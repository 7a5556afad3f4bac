// Package export writes the change-ticket exports: the DNS records of
// each view (exports/dns-<view>.csv) and the certificates
// (exports/certificates.csv), as CSV through internal/encode/csv, so a
// spreadsheet never reads a name as a formula. The firewall rules have
// their own CSV (firewall/rules.csv).
package export

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/encode/csv"
	"github.com/mobplan/mobplan/planner/plan"
)

// Generator writes the exports.
var Generator = artifact.Generator{Name: "export", Generate: generate}

// CertificatesPath is the certificates' export.
const CertificatesPath = "exports/certificates.csv"

// DNSPath is the export of one view's records.
func DNSPath(view string) string { return "exports/dns-" + view + ".csv" }

// DNSColumns and CertificateColumns are the exports' headers.
var (
	DNSColumns         = []string{"zone", "zone_kind", "name", "fqdn", "type", "value", "priority", "weight", "port", "ttl", "why"}
	CertificateColumns = []string{"name", "issuer", "usage", "assign_to", "subject", "sans", "key", "eku", "request_files", "existing_file", "why"}
)

func generate(ctx *artifact.Context) ([]artifact.File, error) {
	p := ctx.Plan
	var out []artifact.File
	var views []string
	rows := map[string][][]string{}
	for _, z := range p.Zones {
		if _, ok := rows[z.View]; !ok {
			views = append(views, z.View)
			rows[z.View] = [][]string{}
		}
		for _, r := range z.Records {
			fqdn := z.Name
			if r.Name != "@" {
				fqdn = r.Name + "." + z.Name
			}
			var prio, weight, port string
			if r.Type == "SRV" {
				prio, weight, port = strconv.Itoa(r.Priority), strconv.Itoa(r.Weight), strconv.Itoa(r.Port)
			}
			ttl := r.TTL
			if ttl == 0 {
				ttl = plan.DNSDefaultTTL
			}
			rows[z.View] = append(rows[z.View], []string{z.Name, z.Kind, r.Name, fqdn, r.Type, r.Value, prio, weight, port, strconv.Itoa(ttl), r.Why})
		}
	}
	for _, v := range views {
		if v != "internal" && v != "external" {
			return nil, fmt.Errorf("export: DNS view %q is neither internal nor external", v)
		}
		f, err := writeCSV(ctx, DNSPath(v), DNSColumns, func(row func([]string) error) error {
			for _, r := range rows[v] {
				if err := row(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	// A row per certificate, written as it is made: at 10,000 SIP
	// domains each row holds hundreds of KB of names.
	f, err := writeCSV(ctx, CertificatesPath, CertificateColumns, func(row func([]string) error) error {
		for _, c := range p.Certificates {
			if err := row(certificateRow(c)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(out, f), nil
}

// writeCSV is the CSV file at path with the header and the rows rows
// writes, into the run's output (hashed as it comes in a digests-only
// run).
func writeCSV(ctx *artifact.Context, path string, header []string, rows func(row func([]string) error) error) (artifact.File, error) {
	o := ctx.NewOutput()
	w, err := csv.NewWriter(o, header)
	if err == nil {
		err = rows(w.Row)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return artifact.File{}, fmt.Errorf("export: %s: %w", path, err)
	}
	return o.File(path), nil
}

// certificateRow is the certificate's row of certificates.csv.
func certificateRow(c plan.Certificate) []string {
	files := ""
	if !c.Existing() {
		files = "certs/" + c.Name + ".csr; certs/" + c.Name + ".inf; certs/" + c.Name + ".cnf"
	}
	key := c.KeyType
	if c.KeyBits > 0 {
		key = strings.TrimSpace(key + " " + strconv.Itoa(c.KeyBits))
	}
	return []string{c.Name, c.Issuer, strings.Join(c.Usage, "; "), strings.Join(c.AssignTo, "; "), c.Subject,
		strings.Join(c.SANs, "; "), key, strings.Join(c.EKU, "; "), files, c.File, c.Why}
}
