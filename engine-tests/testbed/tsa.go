package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// The private Sigstore's timestamp authority: an RFC 3161 service whose signed timestamps prove when a signature
// was made, so a verifier that checks no transparency log can still check the short-lived signing certificate
// against the signing time.

const (
	tsaCertificateFile = "tsa.pem"
	tsaKeyFile         = "tsa.key"
)

// RFC 3161 section 2.3: the TSA's certificate has exactly one extended key usage, timeStamping, marked critical.
var (
	oidExtendedKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	// The policy the timestamps are issued under: an OID under the private-use arc of the tests' own making.
	tsaPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 99, 1}
)

// newTimestampAuthority issues the TSA's certificate under the root, for a new key, and returns it with its key.
func newTimestampAuthority(root *x509.Certificate, rootKey *ecdsa.PrivateKey) (*x509.Certificate, []byte, error) {
	usage, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	certificate, key, err := newCertificate(&x509.Certificate{
		Subject:   pkix.Name{Organization: []string{"engine tests"}, CommonName: "private sigstore timestamp authority"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidExtendedKeyUsage, Critical: true, Value: usage}},
	}, root, rootKey, elliptic.P256())
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	return certificate, keyDER, err
}

// timestampAuthority answers RFC 3161 timestamp requests (POST, application/timestamp-query) with a timestamp
// signed by the certificate and key in dir, read for each request: they are written after the server starts.
func timestampAuthority(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST a timestamp request", http.StatusMethodNotAllowed)
			return
		}
		response, err := signTimestamp(dir, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(response)
	})
}

func signTimestamp(dir string, body io.Reader) ([]byte, error) {
	query, err := io.ReadAll(io.LimitReader(body, 64*1024))
	if err != nil {
		return nil, err
	}
	request, err := timestamp.ParseRequest(query)
	if err != nil {
		return nil, fmt.Errorf("not a timestamp request: %w", err)
	}
	certificate, key, err := readCertificateAndKey(dir, tsaCertificateFile, tsaKeyFile)
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	answer := timestamp.Timestamp{
		HashAlgorithm:     request.HashAlgorithm,
		HashedMessage:     request.HashedMessage,
		Time:              time.Now(),
		Nonce:             request.Nonce,
		Policy:            tsaPolicy,
		SerialNumber:      serial,
		AddTSACertificate: request.Certificates,
	}
	return answer.CreateResponseWithOpts(certificate, key, crypto.SHA256)
}
