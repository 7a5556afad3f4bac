// Command httpsfloor serves one file's bytes over HTTPS with nothing but
// net/http and crypto/tls, with the lab's server timeouts and limits, for
// bench/autodiscover.sh: the most any Go HTTPS server does per request on
// this machine, so the lab's figures can be read against it as well as
// against nginx.
//
//	httpsfloor -cert CHAIN.pem -key KEY.pem -body FILE -type TYPE -addr 127.0.0.1:8443
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/mobplan/mobplan/runtime/supervisor"
)

func main() {
	cert := flag.String("cert", "", "certificate chain, PEM")
	key := flag.String("key", "", "private key, PEM")
	bodyFile := flag.String("body", "", "file whose bytes every response carries")
	ctype := flag.String("type", "application/json", "Content-Type of the responses")
	addr := flag.String("addr", "127.0.0.1:8443", "address to serve on")
	flag.Parse()
	if err := run(*cert, *key, *bodyFile, *ctype, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "httpsfloor:", err)
		os.Exit(1)
	}
}

func run(certFile, keyFile, bodyFile, ctype, addr string) error {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("loading the certificate: %w", err)
	}
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		return err
	}
	length := strconv.Itoa(len(body))
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h["Content-Type"] = []string{ctype}
			h["Content-Length"] = []string{length}
			w.Write(body)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: supervisor.ReadHeaderTimeout,
		ReadTimeout:       supervisor.ReadTimeout,
		WriteTimeout:      supervisor.WriteTimeout,
		IdleTimeout:       supervisor.IdleTimeout,
		MaxHeaderBytes:    supervisor.MaxHeaderBytes,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
