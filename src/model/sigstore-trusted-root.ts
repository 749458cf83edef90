import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  certificatesPem,
  isIssuedBy,
  publicKeyOfType,
  publicKeyPem,
  readCertificates,
  subjectOf,
  type LogKeyPurpose,
  type Read,
} from './pem';
import type { InsecureSwitch, SigstoreMaterial } from './trust-root';

// The Sigstore trusted root (protobuf-specs `dev.sigstore.trustroot.v1.TrustedRoot`, in its JSON form): what the
// ImageValidatingPolicy engine and Flux's source-controller verify keyless signatures against. Built from a
// private instance's files, or read from a trusted_root.json and turned into the PEM material ClusterPolicy takes.

/** The media type every trusted root declares (sigstore-go pkg/root TrustedRootMediaType01). */
export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/**
 * Start of a log key's validity when the instance is described by files, which carry no date: the Unix epoch,
 * as `cosign trusted-root create` sets it (cosign v3.1.2 cmd/cosign/cli/trustedroot/trustedroot.go). sigstore-go
 * refuses a log key without a start (pkg/root/trusted_root.go ParseTransparencyLogs).
 */
const UNDATED_LOG_START = '1970-01-01T00:00:00Z';

/** protobuf-specs `PublicKeyDetails` of the key types a log may have, by curve or modulus length. */
const KEY_DETAILS: Readonly<Record<string, string>> = {
  'ec:prime256v1': 'PKIX_ECDSA_P256_SHA_256',
  'ec:secp384r1': 'PKIX_ECDSA_P384_SHA_384',
  'ec:secp521r1': 'PKIX_ECDSA_P521_SHA_512',
  'rsa:2048': 'PKIX_RSA_PKCS1V15_2048_SHA256',
  'rsa:3072': 'PKIX_RSA_PKCS1V15_3072_SHA256',
  'rsa:4096': 'PKIX_RSA_PKCS1V15_4096_SHA256',
};

function keyDetailsKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  return `${key.asymmetricKeyType}:${details.namedCurve ?? details.modulusLength}`;
}

/** The trusted root's name for a log key's type, or why the trusted root cannot hold it. */
export function logKeyDetails(key: KeyObject): Read<string> {
  const details = KEY_DETAILS[keyDetailsKey(key)];
  return details === undefined
    ? {
        problem: `is a key of a type a Sigstore trusted root cannot hold (${keyDetailsKey(key)}): use ECDSA P-256, P-384 or P-521, or RSA 2048, 3072 or 4096`,
      }
    : { value: details };
}

const base64 = (bytes: Buffer) => bytes.toString('base64');

function transparencyLog(publicKey: string, url: string | undefined): Record<string, unknown> {
  const key = createPublicKey(publicKey);
  const der = key.export({ type: 'spki', format: 'der' });
  const details = logKeyDetails(key);
  if ('problem' in details) throw new Error(`a log key ${details.problem}`);
  return {
    ...(url === undefined ? {} : { baseUrl: url }),
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: base64(der), keyDetails: details.value, validFor: { start: UNDATED_LOG_START } },
    // A log's ID is the SHA-256 of its DER public key (RFC 6962 §3.2; Rekor's log ID likewise).
    logId: { keyId: base64(createHash('sha256').update(der).digest()) },
  };
}

function parse(pem: string): X509Certificate[] {
  const read = readCertificates(pem);
  if ('problem' in read) throw new Error(`material that passed the config checks ${read.problem}`);
  return read.value;
}

/** The intermediates that chain up to `root`, in their order. */
function chainTo(root: X509Certificate, intermediates: readonly X509Certificate[]): X509Certificate[] {
  const chained: X509Certificate[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const certificate of intermediates) {
      if (!chained.includes(certificate) && [root, ...chained].some((parent) => isIssuedBy(certificate, parent))) {
        chained.push(certificate);
        grew = true;
      }
    }
  }
  return intermediates.filter((certificate) => chained.includes(certificate));
}

/**
 * The trusted root of an instance described by its files: one certificate authority per Fulcio root (its chain the
 * intermediates under it, then the root), the Rekor log at its URL, the CT log, the timestamp authority.
 */
export function buildTrustedRoot(material: SigstoreMaterial): string {
  const intermediates = material.fulcio.intermediates ? parse(material.fulcio.intermediates.pem) : [];
  const uri = material.fulcio.url === undefined ? {} : { uri: material.fulcio.url };
  const chain = (certificates: readonly X509Certificate[]) => ({ certificates: certificates.map((c) => ({ rawBytes: base64(c.raw) })) });
  const document = {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: material.rekor ? [transparencyLog(material.rekor.publicKey.pem, material.rekor.url)] : [],
    certificateAuthorities: parse(material.fulcio.roots.pem).map((root) => ({
      ...uri,
      certChain: chain([...chainTo(root, intermediates), root]),
    })),
    ctlogs: material.ctlog ? [transparencyLog(material.ctlog.publicKey.pem, undefined)] : [],
    timestampAuthorities: material.tsa
      ? [
          {
            ...(material.tsa.url === undefined ? {} : { uri: material.tsa.url }),
            certChain: chain(parse(material.tsa.certificateChain.pem)),
          },
        ]
      : [],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** A trusted_root.json as the product keeps it: re-serialized, and the PEM material it names when it names one of each. */
export interface ReadTrustedRoot {
  /** The document, re-serialized with two-space indentation (protojson reads any JSON layout). */
  readonly json: string;
  /** Its current entries as PEM material; absent when the trusted root has several current entries of one kind. */
  readonly material?: SigstoreMaterial;
  /** Why there is no material, for engines that need it. */
  readonly materialProblem?: string;
}

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Whether an entry is current: its validity (`validFor`) has no end. A retired entry verifies old signatures only. */
const isCurrent = (validFor: unknown) => record(validFor).end === undefined;

/** A certificate of the document, from its `rawBytes` (base64 DER). */
function certificateOf(entry: unknown, where: string): Read<X509Certificate> {
  const raw = record(entry).rawBytes;
  if (typeof raw !== 'string') return { problem: `${where} has no rawBytes` };
  try {
    return { value: new X509Certificate(Buffer.from(raw, 'base64')) };
  } catch (error) {
    return { problem: `${where} does not parse as a certificate: ${(error as Error).message}` };
  }
}

function chainOf(authority: unknown, where: string): Read<X509Certificate[]> {
  const entries = list(record(record(authority).certChain).certificates);
  if (entries.length === 0) return { problem: `${where} has no certChain.certificates` };
  const certificates: X509Certificate[] = [];
  for (const [i, entry] of entries.entries()) {
    const certificate = certificateOf(entry, `${where}.certChain.certificates[${i}]`);
    if ('problem' in certificate) return certificate;
    certificates.push(certificate.value);
  }
  return { value: certificates };
}

function logKeyOf(log: unknown, where: string, purpose: LogKeyPurpose): Read<KeyObject> {
  const raw = record(record(log).publicKey).rawBytes;
  if (typeof raw !== 'string') return { problem: `${where}.publicKey has no rawBytes` };
  try {
    const key = publicKeyOfType(createPublicKey({ key: Buffer.from(raw, 'base64'), format: 'der', type: 'spki' }), purpose);
    return 'problem' in key ? { problem: `${where}.publicKey ${key.problem}` } : key;
  } catch (error) {
    return { problem: `${where}.publicKey does not parse as a public key: ${(error as Error).message}` };
  }
}

interface CurrentEntries {
  readonly authorities: { readonly chain: X509Certificate[]; readonly uri?: string }[];
  readonly tlogs: { readonly key: KeyObject; readonly url?: string }[];
  readonly ctlogs: { readonly key: KeyObject; readonly url?: string }[];
  readonly tsas: { readonly chain: X509Certificate[]; readonly uri?: string }[];
}

/** Every entry of the document parsed (a malformed one is a problem even when retired), the current ones returned. */
function currentEntries(document: Json): Read<CurrentEntries> {
  const entries: {
    authorities: CurrentEntries['authorities'];
    tlogs: CurrentEntries['tlogs'];
    ctlogs: CurrentEntries['ctlogs'];
    tsas: CurrentEntries['tsas'];
  } = {
    authorities: [],
    tlogs: [],
    ctlogs: [],
    tsas: [],
  };
  const uriOf = (value: unknown) =>
    typeof record(value).uri === 'string' && record(value).uri !== '' ? (record(value).uri as string) : undefined;
  for (const [field, target] of [
    ['certificateAuthorities', entries.authorities],
    ['timestampAuthorities', entries.tsas],
  ] as const) {
    for (const [i, authority] of list(document[field]).entries()) {
      const chain = chainOf(authority, `${field}[${i}]`);
      if ('problem' in chain) return chain;
      if (isCurrent(record(authority).validFor)) target.push({ chain: chain.value, uri: uriOf(authority) });
    }
  }
  for (const [field, purpose] of [
    ['tlogs', 'rekor'],
    ['ctlogs', 'ctlog'],
  ] as const) {
    for (const [i, log] of list(document[field]).entries()) {
      const key = logKeyOf(log, `${field}[${i}]`, purpose);
      if ('problem' in key) return key;
      const url = typeof record(log).baseUrl === 'string' && record(log).baseUrl !== '' ? (record(log).baseUrl as string) : undefined;
      if (isCurrent(record(record(log).publicKey).validFor))
        (field === 'tlogs' ? entries.tlogs : entries.ctlogs).push({ key: key.value, url });
    }
  }
  return { value: entries };
}

/**
 * Reads a trusted_root.json: its media type, every certificate and key parsed, a current certificate authority
 * whose root is a CA valid at `now`, and a current transparency log and CT log unless the trust root ignores them.
 * The PEM material is taken from the current entries when there is one of each kind (ClusterPolicy takes one Rekor
 * key and one CT log key).
 */
export function readTrustedRoot(text: string, now: Date, ignored: ReadonlySet<InsecureSwitch>): Read<ReadTrustedRoot> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `is not JSON: ${(error as Error).message}` };
  }
  const document = record(parsed);
  if (document.mediaType !== TRUSTED_ROOT_MEDIA_TYPE) {
    return { problem: `has mediaType ${JSON.stringify(document.mediaType)}: a Sigstore trusted root declares ${TRUSTED_ROOT_MEDIA_TYPE}` };
  }
  const read = currentEntries(document);
  if ('problem' in read) return read;
  const { authorities, tlogs, ctlogs } = read.value;
  if (authorities.length === 0) return { problem: 'names no current certificate authority (one without validFor.end)' };
  for (const { chain } of authorities) {
    const root = chain[chain.length - 1];
    if (!root.ca) return { problem: `has a certificate authority whose root (${subjectOf(root)}) is not a CA certificate` };
    const end = new Date(root.validTo);
    if (end < now)
      return {
        problem: `has a current certificate authority whose root (${subjectOf(root)}) expired on ${end.toISOString().slice(0, 10)}`,
      };
  }
  if (tlogs.length === 0 && !ignored.has('insecureIgnoreTlog')) {
    return {
      problem:
        'names no current transparency log: signatures could not be checked in one (set insecureIgnoreTlog with the reason, if that is the intent)',
    };
  }
  if (ctlogs.length === 0 && !ignored.has('insecureIgnoreSCT')) {
    return { problem: 'names no current CT log: SCTs could not be checked (set insecureIgnoreSCT with the reason, if that is the intent)' };
  }
  const json = `${JSON.stringify(parsed, null, 2)}\n`;
  const materialProblem = pemMaterialProblem(read.value, ignored);
  return { value: materialProblem === undefined ? { json, material: pemMaterial(read.value, ignored) } : { json, materialProblem } };
}

/** Why the current entries cannot be written as one set of PEM fields, or undefined. */
function pemMaterialProblem({ tlogs, ctlogs, tsas }: CurrentEntries, ignored: ReadonlySet<InsecureSwitch>): string | undefined {
  const counts: [number, string][] = [
    [tlogs.length, 'current transparency logs'],
    [ctlogs.length, 'current CT logs'],
    [tsas.length, 'current timestamp authorities'],
  ];
  const several = counts.find(([count]) => count > 1);
  if (several) return `names ${several[0]} ${several[1]}`;
  if (tlogs.length === 1 && tlogs[0].url === undefined && !ignored.has('insecureIgnoreTlog'))
    return 'names its transparency log without baseUrl';
  return undefined;
}

/** The current entries (one of each kind at most) as PEM material; a log the trust root ignores is left out. */
function pemMaterial({ authorities, tlogs, ctlogs, tsas }: CurrentEntries, ignored: ReadonlySet<InsecureSwitch>): SigstoreMaterial {
  const url = (uri: string | undefined) => (uri === undefined ? {} : { url: uri });
  const roots = authorities.map(({ chain }) => chain[chain.length - 1]);
  const intermediates = authorities.flatMap(({ chain }) => chain.slice(0, -1));
  const [tlog] = ignored.has('insecureIgnoreTlog') ? [] : tlogs;
  const [ctlog] = ignored.has('insecureIgnoreSCT') ? [] : ctlogs;
  const [tsa] = tsas;
  return {
    fulcio: {
      ...(authorities.length === 1 ? url(authorities[0].uri) : {}),
      roots: { pem: certificatesPem(roots) },
      ...(intermediates.length > 0 ? { intermediates: { pem: certificatesPem(intermediates) } } : {}),
    },
    ...(tlog?.url === undefined ? {} : { rekor: { url: tlog.url, publicKey: { pem: publicKeyPem(tlog.key) } } }),
    ...(ctlog ? { ctlog: { publicKey: { pem: publicKeyPem(ctlog.key) } } } : {}),
    ...(tsa ? { tsa: { ...url(tsa.uri), certificateChain: { pem: certificatesPem(tsa.chain) } } } : {}),
  };
}
