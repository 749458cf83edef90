import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';

// Certificates and public keys of a private Sigstore instance, read with node:crypto: a PEM file is cut into its
// blocks at their BEGIN/END lines, and each block is parsed by X509Certificate or createPublicKey. Every function
// returns either what it read, in canonical PEM, or the one reason the input cannot be trusted, for messages.

/** One `-----BEGIN <label>-----` … `-----END <label>-----` block of a PEM file. */
interface PemBlock {
  readonly label: string;
  readonly text: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1], text: match[0] }));
}

/** Labels of PEM blocks that hold a private key. */
const PRIVATE_KEY_LABEL = /PRIVATE KEY$/;

/** What a block holds where something else was expected, and `expected`, in words. */
function unexpectedBlock(block: PemBlock, expected: string): string {
  const found = `holds a ${block.label} block where ${expected} is expected`;
  return PRIVATE_KEY_LABEL.test(block.label) ? `${found}: remove it, a private key must never be committed` : found;
}

/** What went wrong, or what was read. */
export type Read<T> = { readonly value: T } | { readonly problem: string };

/** A certificate's subject on one line, for messages. */
export function subjectOf(certificate: X509Certificate): string {
  return certificate.subject.split('\n').join(', ');
}

/** When a certificate stops being valid, as the ISO date of its notAfter. */
function validUntil(certificate: X509Certificate): Date {
  return new Date(certificate.validTo);
}

function validFrom(certificate: X509Certificate): Date {
  return new Date(certificate.validFrom);
}

/** Why a certificate is not valid at `now`, or undefined. */
function validityProblem(certificate: X509Certificate, now: Date): string | undefined {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  if (validUntil(certificate) < now) return `expired on ${day(validUntil(certificate))}`;
  if (validFrom(certificate) > now) return `is not valid before ${day(validFrom(certificate))}`;
  return undefined;
}

/** Whether `child` is signed by `parent` (its issuer name matches and the signature verifies). */
export function isIssuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/** Whether the certificate signs itself: a root. */
function isSelfSigned(certificate: X509Certificate): boolean {
  return isIssuedBy(certificate, certificate);
}

/** The certificates of a PEM text, each parsed; the text must hold certificates and nothing else. */
export function readCertificates(text: string): Read<X509Certificate[]> {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) return { problem: 'holds no PEM block (-----BEGIN CERTIFICATE-----)' };
  const certificates: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    const which = blocks.length === 1 ? '' : ` (block ${i + 1})`;
    if (block.label !== 'CERTIFICATE') return { problem: `${unexpectedBlock(block, 'a certificate')}${which}` };
    try {
      certificates.push(new X509Certificate(block.text));
    } catch (error) {
      return { problem: `does not parse as a certificate${which}: ${(error as Error).message}` };
    }
  }
  return { value: certificates };
}

/** Certificates as one canonical PEM text. */
export function certificatesPem(certificates: readonly X509Certificate[]): string {
  return certificates.map((certificate) => certificate.toString()).join('');
}

/** Names a certificate of a file for messages: by its position when the file holds several, and its subject. */
function nameOf(certificates: readonly X509Certificate[], i: number): string {
  return `${certificates.length > 1 ? `certificate ${i + 1} ` : ''}(${subjectOf(certificates[i])})`;
}

/**
 * CA certificates (Fulcio roots or intermediates) valid at `now`: each a CA, inside its validity. A certificate
 * that is not a CA cannot have issued a signing certificate, and an expired or future one verifies nothing.
 */
export function readCaCertificates(text: string, now: Date): Read<X509Certificate[]> {
  const read = readCertificates(text);
  if ('problem' in read) return read;
  const certificates = read.value;
  for (const [i, certificate] of certificates.entries()) {
    if (!certificate.ca) return { problem: `${nameOf(certificates, i)} is not a CA certificate (basicConstraints CA:FALSE)` };
    const validity = validityProblem(certificate, now);
    if (validity) return { problem: `${nameOf(certificates, i)} ${validity}` };
  }
  return read;
}

/** Why an intermediate chains to none of the roots (through the other intermediates), or undefined. */
export function unchainedIntermediateProblem(
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
): string | undefined {
  const chained = new Set<X509Certificate>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const certificate of intermediates) {
      if (chained.has(certificate)) continue;
      if ([...roots, ...chained].some((parent) => isIssuedBy(certificate, parent))) {
        chained.add(certificate);
        grew = true;
      }
    }
  }
  const i = intermediates.findIndex((certificate) => !chained.has(certificate));
  return i < 0 ? undefined : `${nameOf(intermediates, i)} is issued by none of fulcio.roots: no signing certificate could chain through it`;
}

/** OID of the extended key usage a timestamp authority's certificate must carry (RFC 3161 §2.3). */
const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

/**
 * A timestamp authority's chain valid at `now`, as Kyverno splits it (pkg/image/verifiers/cpol/cosign/cosign.go
 * splitPEMCertificateChain): at most one certificate that is not a CA (the TSA's own, for timeStamping), and a
 * self-signed root.
 */
export function readTsaChain(text: string, now: Date): Read<X509Certificate[]> {
  const read = readCertificates(text);
  if ('problem' in read) return read;
  const certificates = read.value;
  for (const [i, certificate] of certificates.entries()) {
    const validity = validityProblem(certificate, now);
    if (validity) return { problem: `${nameOf(certificates, i)} ${validity}` };
  }
  const leaves = certificates.filter((certificate) => !certificate.ca);
  if (leaves.length > 1) return { problem: `holds ${leaves.length} certificates that are not CAs: at most one, the TSA's own` };
  if (leaves.length === 1 && !(leaves[0].keyUsage ?? []).includes(TIME_STAMPING)) {
    return { problem: `(${subjectOf(leaves[0])}) is not a timestamping certificate (extended key usage timeStamping)` };
  }
  if (!certificates.some((certificate) => certificate.ca && isSelfSigned(certificate))) {
    return { problem: 'holds no root (a self-signed CA certificate): the chain must end with its root' };
  }
  return read;
}

/** What a transparency log key is used for: Rekor's signed entry timestamps, or a CT log's SCTs. */
export type LogKeyPurpose = 'rekor' | 'ctlog';

/**
 * The key types each log accepts. cosign checks Rekor's signatures with ECDSA keys only (pkg/cosign/verify.go
 * VerifyBundle: "rekor Public key … is not type ecdsa.PublicKey"); a CT log signs SCTs with ECDSA or RSA (RFC 6962 §2.1.4).
 */
const LOG_KEY_TYPES: Readonly<Record<LogKeyPurpose, readonly string[]>> = { rekor: ['ec'], ctlog: ['ec', 'rsa'] };

/** The one public key of a PEM text, of a type the log can have; a private key or a certificate is refused. */
export function readLogPublicKey(text: string, purpose: LogKeyPurpose): Read<KeyObject> {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) return { problem: 'holds no PEM block (-----BEGIN PUBLIC KEY-----)' };
  if (blocks.length > 1) return { problem: `holds ${blocks.length} PEM blocks: one public key is expected` };
  const [block] = blocks;
  if (block.label !== 'PUBLIC KEY') return { problem: unexpectedBlock(block, 'a public key (-----BEGIN PUBLIC KEY-----)') };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.text, format: 'pem' });
  } catch (error) {
    return { problem: `does not parse as a public key: ${(error as Error).message}` };
  }
  return publicKeyOfType(key, purpose);
}

/** The key itself when its type is one the log can have. */
export function publicKeyOfType(key: KeyObject, purpose: LogKeyPurpose): Read<KeyObject> {
  const allowed = LOG_KEY_TYPES[purpose];
  if (!allowed.includes(key.asymmetricKeyType ?? '')) {
    return { problem: `is an ${key.asymmetricKeyType} key: a ${purpose === 'rekor' ? 'Rekor' : 'CT log'} key is ${allowed.join(' or ')}` };
  }
  return { value: key };
}

/** A public key as canonical PEM (SubjectPublicKeyInfo). */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}
