package main

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// The TUF repository of the private Sigstore, as a Sigstore TUF mirror serves its trusted root: one ed25519 key
// signs all four top-level roles (threshold 1), metadata lives at the repository's root and targets under
// targets/. Snapshots are not consistent (no version or hash prefixes in file names), which every TUF client
// reads; the metadata expires after a day, as the CA does.

const (
	tufKeyFile  = "tuf-key.pem"
	tufRootFile = "root.json"
	tufValidity = 24 * time.Hour
)

// tufRoot makes the repository's key and its root metadata (DIR/root.json): the trust anchor a TUF client is
// given before it first reaches the repository.
func tufRoot(args []string) error {
	flags := flag.NewFlagSet("tuf-root", flag.ExitOnError)
	dir := flags.String("dir", "", "directory to write tuf-key.pem and root.json into")
	flags.Parse(args)
	if *dir == "" {
		return errors.New("-dir is required")
	}
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(private)
	if err != nil {
		return err
	}
	key, err := metadata.KeyFromPublicKey(public)
	if err != nil {
		return err
	}
	root := metadata.Root(time.Now().Add(tufValidity).UTC())
	root.Signed.ConsistentSnapshot = false
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(key, role); err != nil {
			return err
		}
	}
	if err := signWith(private, root); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, tufKeyFile), pemBlock("PRIVATE KEY", keyDER), 0o600); err != nil {
		return err
	}
	return root.ToFile(filepath.Join(*dir, tufRootFile), true)
}

// tufPublish writes the repository for -target files into -repository: the root (as root.json and 1.root.json,
// where clients look for a version's root), the targets, snapshot and timestamp metadata signed with the key of
// tuf-root, and each target file under targets/.
func tufPublish(args []string) error {
	flags := flag.NewFlagSet("tuf-publish", flag.ExitOnError)
	dir := flags.String("dir", "", "directory written by `testbed tuf-root`")
	repository := flags.String("repository", "", "directory to write the repository into, as it is served")
	var targets []string
	flags.Func("target", "a file to publish as a target, under its base name (repeatable)", func(path string) error {
		targets = append(targets, path)
		return nil
	})
	flags.Parse(args)
	if *dir == "" || *repository == "" || len(targets) == 0 {
		return errors.New("-dir, -repository and at least one -target are required")
	}
	keyDER, err := readPEM(filepath.Join(*dir, tufKeyFile), "PRIVATE KEY")
	if err != nil {
		return err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return err
	}
	private, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return errors.New(tufKeyFile + " is not an ed25519 key")
	}
	rootJSON, err := os.ReadFile(filepath.Join(*dir, tufRootFile))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(*repository, "targets"), 0o755); err != nil {
		return err
	}
	expires := time.Now().Add(tufValidity).UTC()
	targetsMetadata := metadata.Targets(expires)
	for _, path := range targets {
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name := filepath.Base(path)
		file, err := metadata.TargetFile().FromBytes(name, content, "sha256", "sha512")
		if err != nil {
			return err
		}
		targetsMetadata.Signed.Targets[name] = file
		if err := os.WriteFile(filepath.Join(*repository, "targets", name), content, 0o644); err != nil {
			return err
		}
	}
	snapshot := metadata.Snapshot(expires)
	timestamp := metadata.Timestamp(expires)
	for _, role := range []interface {
		Sign(signature.Signer) (*metadata.Signature, error)
	}{targetsMetadata, snapshot, timestamp} {
		if err := signWith(private, role); err != nil {
			return err
		}
	}
	files := map[string]func(string, bool) error{
		"targets.json":   targetsMetadata.ToFile,
		"snapshot.json":  snapshot.ToFile,
		"timestamp.json": timestamp.ToFile,
	}
	for name, write := range files {
		if err := write(filepath.Join(*repository, name), true); err != nil {
			return err
		}
	}
	for _, name := range []string{"root.json", "1.root.json"} {
		if err := os.WriteFile(filepath.Join(*repository, name), rootJSON, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func signWith(private ed25519.PrivateKey, role interface {
	Sign(signature.Signer) (*metadata.Signature, error)
}) error {
	signer, err := signature.LoadSigner(private, crypto.Hash(0))
	if err != nil {
		return err
	}
	_, err = role.Sign(signer)
	return err
}
