// Command testbed provides what the engine tests need besides the real tools: a private Sigstore (a certificate
// authority that issues Fulcio-shaped signing certificates, a timestamp authority, and the TUF repository that
// publishes its trusted root), an OCI registry served over TLS on loopback that also serves the Sigstore's TUF
// repository and timestamps, and image layers with random content (so every run pushes new digests).
//
//	testbed ca -dir DIR
//	testbed leaf -ca DIR -public-key PEM -issuer URL -subject URI -out PEM [-not-before RFC3339] [-not-after RFC3339]
//	testbed tuf-root -dir DIR
//	testbed tuf-publish -dir DIR -repository DIR -target FILE [-target FILE]...
//	testbed registry -tls-ca-out PEM [-files DIR] [-tsa DIR]
//	testbed layer -out TAR
package main

import (
	"archive/tar"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// The certificate extensions Fulcio writes for the OIDC issuer (sigstore/fulcio v1.8.8,
// pkg/certificate/extensions.go): 1.1 holds the issuer as raw bytes (deprecated, still read by verifiers),
// 1.8 as a DER-encoded UTF8String.
var (
	oidIssuer   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("testbed: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: testbed ca|leaf|tuf-root|tuf-publish|registry|layer [flags]")
	}
	commands := map[string]func([]string) error{
		"ca": ca, "leaf": leaf, "tuf-root": tufRoot, "tuf-publish": tufPublish, "registry": serveRegistry, "layer": layer,
	}
	command, ok := commands[os.Args[1]]
	if !ok {
		log.Fatalf("unknown command %q (ca, leaf, tuf-root, tuf-publish, registry, layer)", os.Args[1])
	}
	if err := command(os.Args[2:]); err != nil {
		log.Fatalf("%s: %v", os.Args[1], err)
	}
}

// ca writes a root and an intermediate CA, as Fulcio's trust material is laid out: root.pem, chain.pem
// (intermediate then root, what cosign's --certificate-chain takes) and the intermediate's key; and the
// certificate of a timestamp authority under the same root (tsa.pem, its key, and tsa-chain.pem: it, then the root).
func ca(args []string) error {
	flags := flag.NewFlagSet("ca", flag.ExitOnError)
	dir := flags.String("dir", "", "directory to write root.pem, intermediate.pem, intermediate.key, chain.pem and the tsa files into")
	flags.Parse(args)
	if *dir == "" {
		return errors.New("-dir is required")
	}
	now := time.Now()
	root, rootKey, err := newCertificate(&x509.Certificate{
		Subject:   pkix.Name{Organization: []string{"engine tests"}, CommonName: "private sigstore root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 1,
	}, nil, nil, elliptic.P384())
	if err != nil {
		return err
	}
	intermediate, intermediateKey, err := newCertificate(&x509.Certificate{
		Subject:   pkix.Name{Organization: []string{"engine tests"}, CommonName: "private sigstore intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}, root, rootKey, elliptic.P384())
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(intermediateKey)
	if err != nil {
		return err
	}
	tsa, tsaKeyDER, err := newTimestampAuthority(root, rootKey)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	files := map[string][]byte{
		"root.pem":         pemBlock("CERTIFICATE", root.Raw),
		"intermediate.pem": pemBlock("CERTIFICATE", intermediate.Raw),
		"chain.pem":        append(pemBlock("CERTIFICATE", intermediate.Raw), pemBlock("CERTIFICATE", root.Raw)...),
		"intermediate.key": pemBlock("PRIVATE KEY", keyDER),
		tsaCertificateFile: pemBlock("CERTIFICATE", tsa.Raw),
		tsaKeyFile:         pemBlock("PRIVATE KEY", tsaKeyDER),
		"tsa-chain.pem":    append(pemBlock("CERTIFICATE", tsa.Raw), pemBlock("CERTIFICATE", root.Raw)...),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(*dir, name), content, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// leaf issues what Fulcio would for a workload identity: a short-lived code-signing certificate for the
// signer's public key, its subject as a URI SAN and the OIDC issuer in Fulcio's extensions.
func leaf(args []string) error {
	flags := flag.NewFlagSet("leaf", flag.ExitOnError)
	caDir := flags.String("ca", "", "directory written by `testbed ca`")
	publicKeyPath := flags.String("public-key", "", "PEM public key to certify (cosign.pub)")
	issuer := flags.String("issuer", "", "OIDC issuer URL written into the Fulcio issuer extensions")
	subject := flags.String("subject", "", "the identity, a URI written as the subject alternative name")
	out := flags.String("out", "", "where to write the PEM certificate")
	notBefore := flags.String("not-before", "", "start of validity (RFC 3339; default: a minute ago)")
	notAfter := flags.String("not-after", "", "end of validity (RFC 3339; default: in an hour)")
	flags.Parse(args)
	if *caDir == "" || *publicKeyPath == "" || *issuer == "" || *subject == "" || *out == "" {
		return errors.New("-ca, -public-key, -issuer, -subject and -out are required")
	}
	subjectURI, err := url.Parse(*subject)
	if err != nil || subjectURI.Scheme == "" {
		return fmt.Errorf("-subject %q is not an absolute URI", *subject)
	}
	start, end := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	if start, err = timeFlag(*notBefore, start); err != nil {
		return err
	}
	if end, err = timeFlag(*notAfter, end); err != nil {
		return err
	}
	publicKey, err := readPublicKey(*publicKeyPath)
	if err != nil {
		return err
	}
	intermediate, intermediateKey, err := readCertificateAndKey(*caDir, "intermediate.pem", "intermediate.key")
	if err != nil {
		return err
	}
	issuerV2, err := asn1.MarshalWithParams(*issuer, "utf8")
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		NotBefore: start, NotAfter: end,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		URIs:        []*url.URL{subjectURI},
		ExtraExtensions: []pkix.Extension{
			{Id: oidIssuer, Value: []byte(*issuer)},
			{Id: oidIssuerV2, Value: issuerV2},
		},
	}
	der, err := sign(template, intermediate, publicKey, intermediateKey)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, pemBlock("CERTIFICATE", der), 0o600)
}

// serveRegistry serves an in-memory OCI registry (with the referrers API, which Sigstore bundles use) over
// TLS on a random loopback port, under a TLS CA made for this run and written to -tls-ca-out. With -files it
// serves a directory's files under /files/ (a TUF repository, which clients must reach over https), and with
// -tsa an RFC 3161 timestamp authority at /tsa. On a second port it serves another registry without the
// referrers API, as registries that have none (clients then keep referrers in a `sha256-<digest>` tag). It
// prints `listening on 127.0.0.1:PORT` and `listening without the referrers API on 127.0.0.1:PORT`, and serves
// until its standard input closes, so it never outlives its caller.
func serveRegistry(args []string) error {
	flags := flag.NewFlagSet("registry", flag.ExitOnError)
	caOut := flags.String("tls-ca-out", "", "where to write the PEM CA certificate that clients must trust")
	files := flags.String("files", "", "a directory whose files are served under /files/")
	tsaDir := flags.String("tsa", "", "a directory where tsa.pem and tsa.key will be: the timestamp authority at /tsa signs with them")
	flags.Parse(args)
	if *caOut == "" {
		return errors.New("-tls-ca-out is required")
	}
	certificate, caPEM, err := loopbackServerCertificate()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*caOut, caPEM, 0o644); err != nil {
		return err
	}
	quiet := registry.Logger(log.New(io.Discard, "", 0))
	handler := http.NewServeMux()
	handler.Handle("/", registry.New(registry.WithReferrersSupport(true), quiet))
	if *files != "" {
		handler.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(*files))))
	}
	if *tsaDir != "" {
		handler.Handle("/tsa", timestampAuthority(*tsaDir))
	}
	servers := []struct {
		handler http.Handler
		name    string
	}{
		{handler, "listening on"},
		{registry.New(registry.WithReferrersSupport(false), quiet), "listening without the referrers API on"},
	}
	errs := make(chan error, len(servers))
	var running []*http.Server
	for _, s := range servers {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		server := &http.Server{
			Handler:   s.handler,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{certificate}, MinVersion: tls.VersionTLS12},
		}
		running = append(running, server)
		fmt.Printf("%s %s\n", s.name, listener.Addr())
		go func() { errs <- server.ServeTLS(listener, "", "") }()
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		for _, server := range running {
			server.Close()
		}
	}()
	for range running {
		if err := <-errs; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}

// layer writes an uncompressed layer tarball holding one file of random bytes.
func layer(args []string) error {
	flags := flag.NewFlagSet("layer", flag.ExitOnError)
	out := flags.String("out", "", "where to write the layer tarball")
	flags.Parse(args)
	if *out == "" {
		return errors.New("-out is required")
	}
	content := make([]byte, 64)
	if _, err := rand.Read(content); err != nil {
		return err
	}
	file, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer file.Close()
	writer := tar.NewWriter(file)
	header := &tar.Header{Name: "random", Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)}
	if err := writer.WriteHeader(header); err != nil {
		return err
	}
	if _, err := writer.Write(content); err != nil {
		return err
	}
	return writer.Close()
}

// loopbackServerCertificate makes a TLS CA and a server certificate for localhost and 127.0.0.1 under it.
func loopbackServerCertificate() (tls.Certificate, []byte, error) {
	now := time.Now()
	ca, caKey, err := newCertificate(&x509.Certificate{
		Subject:   pkix.Name{CommonName: "engine tests registry CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true, IsCA: true,
	}, nil, nil, elliptic.P256())
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	server, serverKey, err := newCertificate(&x509.Certificate{
		Subject:   pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}, ca, caKey, elliptic.P256())
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{server.Raw}, PrivateKey: serverKey}, pemBlock("CERTIFICATE", ca.Raw), nil
}

// newCertificate makes a key on the curve and a certificate for it from the template, issued by parent (with
// parentKey), or self-signed when parent is nil.
func newCertificate(template, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, curve elliptic.Curve) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if parent == nil {
		parent, parentKey = template, key
	}
	der, err := sign(template, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, err
	}
	certificate, err := x509.ParseCertificate(der)
	return certificate, key, err
}

func sign(template, parent *x509.Certificate, publicKey any, signer *ecdsa.PrivateKey) ([]byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	template.SerialNumber = serial
	return x509.CreateCertificate(rand.Reader, template, parent, publicKey, signer)
}

// randomSerial is a 128-bit serial number for a certificate or a timestamp.
func randomSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

// readCertificateAndKey reads a certificate and its ECDSA key (PKCS #8) from dir, as `ca` writes them.
func readCertificateAndKey(dir, certificateFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certificate, err := readPEM(filepath.Join(dir, certificateFile), "CERTIFICATE")
	if err != nil {
		return nil, nil, err
	}
	parsed, err := x509.ParseCertificate(certificate)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := readPEM(filepath.Join(dir, keyFile), "PRIVATE KEY")
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return nil, nil, err
	}
	ecKey, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("%s is not an ECDSA key", keyFile)
	}
	return parsed, ecKey, nil
}

func readPublicKey(path string) (any, error) {
	der, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	return x509.ParsePKIXPublicKey(der)
}

func readPEM(path, blockType string) ([]byte, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(content)
	if block == nil || block.Type != blockType {
		return nil, fmt.Errorf("%s: no PEM block of type %s", path, blockType)
	}
	return block.Bytes, nil
}

func pemBlock(blockType string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}

func timeFlag(value string, fallback time.Time) (time.Time, error) {
	if value == "" {
		return fallback, nil
	}
	parsed, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", value)
	}
	return parsed, nil
}
