import { isAbsolute, relative, resolve } from 'node:path';
import type { FieldPath } from '../model/field-path';
import { httpsUrlProblem } from '../model/https-url';
import {
  certificatesPem,
  publicKeyPem,
  readCaCertificates,
  readLogPublicKey,
  readTsaChain,
  unchainedIntermediateProblem,
  type LogKeyPurpose,
  type Read,
} from '../model/pem';
import { buildTrustedRoot, logKeyDetails, readTrustedRoot } from '../model/sigstore-trusted-root';
import { tufRootProblem } from '../model/tuf-root';
import {
  INSECURE_SWITCHES,
  PUBLIC_TRUST_ROOT,
  type InsecureSwitch,
  type Pem,
  type PrivateSource,
  type PrivateTrustRoot,
  type RepositoryFile,
  type SigstoreMaterial,
} from '../model/trust-root';
import type { ConfigFiles } from './config-files';
import type { RawConfig, RawEnvironment, RawTrustRoot } from './raw-environment';
import { DEFAULT_ENGINE } from './resolve-environment';

// `trustRoots`: each private Sigstore instance described once, its files read and checked here (a PEM that does not
// parse, a root that is expired, not yet valid or not a CA, a log key that is not a public key, a URL that is not
// https), then every reference to it, and what each engine and the publishing workflow can do with it. Each problem
// is placed at its field (the loader adds the environments that use the trust root).

/** A problem at a field given from the config's root. */
export interface RootedProblem {
  readonly path: FieldPath;
  readonly message: string;
}

/** Largest certificate, key or trusted root file read (public trusted roots are tens of KiB). */
const MAX_TRUST_FILE_BYTES = 1024 * 1024;

/** The ways to describe an instance, exactly one per trust root. */
const FORMS = ['fulcio', 'trustedRoot', 'tuf'] as const;

/** Fields that only an instance described by its files has: a trusted root or a TUF repository names its own. */
const FILES_ONLY = ['rekor', 'ctlog', 'tsa'] as const;

/** The log each switch gives up, as the files form names it. */
const SWITCHED_LOG: Readonly<Record<InsecureSwitch, 'rekor' | 'ctlog'>> = { insecureIgnoreTlog: 'rekor', insecureIgnoreSCT: 'ctlog' };

/** Every trust root of the config, its files read from `files`, checked, and every problem found in them or in their use. */
export function loadTrustRoots(
  config: RawConfig,
  configFile: string,
  files: ConfigFiles,
  now: Date = new Date(),
): { trustRoots: Map<string, PrivateTrustRoot>; problems: RootedProblem[] } {
  const trustRoots = new Map<string, ReadTrustRootResult>();
  const problems: RootedProblem[] = [];
  for (const [name, raw] of Object.entries(config.trustRoots ?? {})) {
    const at = (found: FieldProblem[]) => found.map(({ field, message }) => ({ path: ['trustRoots', name, ...field], message }));
    if (name === PUBLIC_TRUST_ROOT) {
      problems.push(
        ...at([{ field: [], message: `"${PUBLIC_TRUST_ROOT}" is the built-in public Sigstore instance: name this one otherwise` }]),
      );
      continue;
    }
    const shape = shapeProblems(raw);
    if (shape.length > 0) {
      problems.push(...at(shape));
      continue;
    }
    const read = readTrustRoot(name, raw, new FileReader(configFile, files), now);
    if ('problems' in read) problems.push(...at(read.problems));
    else trustRoots.set(name, read);
  }
  const known = new Set([...Object.keys(config.trustRoots ?? {})]);
  config.environments.forEach((env, index) => {
    problems.push(
      ...referenceProblems(env, known, trustRoots).map(({ field, message }) => ({ path: ['environments', index, ...field], message })),
    );
  });
  problems.push(...publisherConsistencyProblems(config.environments));
  return { trustRoots: new Map([...trustRoots].map(([name, { value }]) => [name, value])), problems };
}

/** A trust root read, and why it has no PEM material when it has none. */
interface ReadTrustRootResult {
  readonly value: PrivateTrustRoot;
  readonly pemProblem?: string;
}

/** A problem inside one trust root or environment, at a field relative to it. */
interface FieldProblem {
  readonly field: FieldPath;
  readonly message: string;
}

/**
 * The names of the environments using each trust root, for problems found in it: read from the config before the
 * schema passed, so every value is checked for its type.
 */
export function trustRootUsers(data: unknown): Map<string, string[]> {
  const users = new Map<string, string[]>();
  const field = (value: unknown, key: string): unknown =>
    value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  const environments = field(data, 'environments');
  for (const env of Array.isArray(environments) ? environments : []) {
    const name = field(env, 'name');
    if (typeof name !== 'string') continue;
    const signers = [env, field(env, 'signer'), field(field(env, 'provenance'), 'signer'), field(field(env, 'delivery'), 'signer')];
    const named = new Set(signers.map((signer) => field(signer, 'trustRoot')).filter((n): n is string => typeof n === 'string'));
    for (const trustRoot of named) users.set(trustRoot, [...(users.get(trustRoot) ?? []), name]);
  }
  return users;
}

/** One way to describe the instance, its logs named or their checks given up explicitly, every URL https. */
function shapeProblems(raw: RawTrustRoot): FieldProblem[] {
  const forms = FORMS.filter((form) => raw[form] !== undefined);
  if (forms.length !== 1) {
    const message =
      forms.length === 0
        ? 'describes no instance: give fulcio (with rekor, ctlog and tsa), trustedRoot (a trusted_root.json) or tuf (a TUF repository)'
        : `describes the instance ${forms.length} ways (${forms.join(', ')}): keep one`;
    return [{ field: [], message }];
  }
  const problems: FieldProblem[] = [];
  if (forms[0] === 'fulcio') {
    for (const name of INSECURE_SWITCHES) {
      const log = SWITCHED_LOG[name];
      if (raw[log] !== undefined && raw[name] !== undefined) {
        problems.push({ field: [name], message: `contradicts ${log}: either the log is checked (${log}) or not (${name})` });
      } else if (raw[log] === undefined && raw[name] === undefined) {
        problems.push({
          field: [],
          message:
            log === 'rekor'
              ? 'names no transparency log: give rekor (url and publicKey), or insecureIgnoreTlog with the reason signatures need no log entry'
              : 'names no CT log: give ctlog (publicKey), or insecureIgnoreSCT with the reason signing certificates need no SCT',
        });
      }
    }
  } else {
    for (const field of FILES_ONLY.filter((f) => raw[f] !== undefined)) {
      problems.push({
        field: [field],
        message: `applies to an instance described by its files (fulcio): a ${forms[0] === 'tuf' ? 'TUF repository' : 'trusted root'} names its own`,
      });
    }
  }
  const urls: [FieldPath, string | undefined][] = [
    [['fulcio', 'url'], raw.fulcio?.url],
    [['rekor', 'url'], raw.rekor?.url],
    [['tsa', 'url'], raw.tsa?.url],
    [['tuf', 'mirror'], raw.tuf?.mirror],
  ];
  for (const [field, url] of urls) {
    const problem = url === undefined ? undefined : httpsUrlProblem(url);
    if (problem) problems.push({ field, message: problem });
  }
  return problems;
}

/** Reads the repository files a trust root names, relative to the config file's directory, from `files`. */
class FileReader {
  private readonly directory: string;

  constructor(
    configFile: string,
    private readonly files: ConfigFiles,
  ) {
    this.directory = resolve(configFile, '..');
  }

  /** The file's bytes, or why it cannot be read as a file of the repository. */
  read(path: string): Read<{ file: RepositoryFile; bytes: Buffer }> {
    if (isAbsolute(path)) return { problem: `"${path}" is an absolute path: name a file of the repository, relative to the config file` };
    const location = resolve(this.directory, path);
    const inside = relative(this.directory, location);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      return { problem: `"${path}" is outside the config file's directory: name a file of the repository` };
    }
    const read = this.files.read(path, MAX_TRUST_FILE_BYTES);
    if ('problem' in read) return read;
    if ('tooLarge' in read) return { problem: `"${path}" is larger than the ${MAX_TRUST_FILE_BYTES} bytes a trust file may have` };
    return { value: { file: { path, location }, bytes: read.bytes } };
  }
}

/** What reading one trust root gives: the resolved trust root, or every problem of its files. */
type TrustRootRead = ReadTrustRootResult | { readonly problems: FieldProblem[] };

/** Reads and checks a trust root whose shape is valid. */
function readTrustRoot(name: string, raw: RawTrustRoot, files: FileReader, now: Date): TrustRootRead {
  const switches = Object.fromEntries(INSECURE_SWITCHES.flatMap((s) => (raw[s] === undefined ? [] : [[s, raw[s]]]))) as Partial<
    Record<InsecureSwitch, string>
  >;
  const ignored = new Set(INSECURE_SWITCHES.filter((s) => raw[s] !== undefined));
  if (raw.trustedRoot !== undefined) {
    const read = files.read(raw.trustedRoot);
    if ('problem' in read) return { problems: [{ field: ['trustedRoot'], message: read.problem }] };
    const trusted = readTrustedRoot(read.value.bytes.toString('utf8'), now, ignored);
    if ('problem' in trusted) return { problems: [{ field: ['trustedRoot'], message: `"${raw.trustedRoot}" ${trusted.problem}` }] };
    const source: PrivateSource = { form: 'trustedRoot', file: read.value.file };
    const value: PrivateTrustRoot = {
      kind: 'private',
      name,
      source,
      material: trusted.value.material,
      trustedRoot: trusted.value.json,
      ...switches,
    };
    return { value, pemProblem: trusted.value.materialProblem };
  }
  if (raw.tuf !== undefined) {
    const read = files.read(raw.tuf.root);
    if ('problem' in read) return { problems: [{ field: ['tuf', 'root'], message: read.problem }] };
    const problem = tufRootProblem(read.value.bytes);
    if (problem) return { problems: [{ field: ['tuf', 'root'], message: `"${raw.tuf.root}" ${problem}` }] };
    const source: PrivateSource = {
      form: 'tuf',
      mirror: raw.tuf.mirror,
      root: read.value.file,
      rootBase64: read.value.bytes.toString('base64'),
    };
    return { value: { kind: 'private', name, source, ...switches } satisfies PrivateTrustRoot };
  }
  const material = readMaterial(raw, files, now);
  if ('problems' in material) return material;
  const value: PrivateTrustRoot = {
    kind: 'private',
    name,
    source: { form: 'files' },
    material: material.value,
    trustedRoot: buildTrustedRoot(material.value),
    ...switches,
  };
  return { value };
}

/** The files of an instance described by its files, each read and checked, as material. */
function readMaterial(raw: RawTrustRoot, files: FileReader, now: Date): { value: SigstoreMaterial } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  /** Reads the file at `field` with `check`, recording a problem at the field. */
  const pem = <T>(
    field: FieldPath,
    path: string,
    check: (text: string) => Read<T>,
    toPem: (value: T) => string,
  ): { pem: Pem; value: T } | undefined => {
    const read = files.read(path);
    if ('problem' in read) {
      problems.push({ field, message: read.problem });
      return undefined;
    }
    const checked = check(read.value.bytes.toString('utf8'));
    if ('problem' in checked) {
      problems.push({ field, message: `"${path}" ${checked.problem}` });
      return undefined;
    }
    return { pem: { pem: toPem(checked.value), file: read.value.file }, value: checked.value };
  };
  const fulcio = raw.fulcio!;
  const roots = pem(['fulcio', 'roots'], fulcio.roots, (text) => readCaCertificates(text, now), certificatesPem);
  const intermediates =
    fulcio.intermediates === undefined
      ? undefined
      : pem(['fulcio', 'intermediates'], fulcio.intermediates, (text) => readCaCertificates(text, now), certificatesPem);
  if (roots && intermediates) {
    const unchained = unchainedIntermediateProblem(intermediates.value, roots.value);
    if (unchained) problems.push({ field: ['fulcio', 'intermediates'], message: `"${fulcio.intermediates}" ${unchained}` });
  }
  const logKey = (purpose: LogKeyPurpose) => (text: string) => {
    const key = readLogPublicKey(text, purpose);
    if ('problem' in key) return key;
    const details = logKeyDetails(key.value);
    return 'problem' in details ? details : key;
  };
  const rekorKey = raw.rekor && pem(['rekor', 'publicKey'], raw.rekor.publicKey, logKey('rekor'), publicKeyPem);
  const ctlogKey = raw.ctlog && pem(['ctlog', 'publicKey'], raw.ctlog.publicKey, logKey('ctlog'), publicKeyPem);
  const tsaChain =
    raw.tsa && pem(['tsa', 'certificateChain'], raw.tsa.certificateChain, (text) => readTsaChain(text, now), certificatesPem);
  if (problems.length > 0) return { problems };
  return {
    value: {
      fulcio: {
        ...(fulcio.url === undefined ? {} : { url: fulcio.url }),
        roots: roots!.pem,
        ...(intermediates ? { intermediates: intermediates.pem } : {}),
      },
      ...(raw.rekor && rekorKey ? { rekor: { url: raw.rekor.url, publicKey: rekorKey.pem } } : {}),
      ...(ctlogKey ? { ctlog: { publicKey: ctlogKey.pem } } : {}),
      ...(raw.tsa && tsaChain
        ? { tsa: { ...(raw.tsa.url === undefined ? {} : { url: raw.tsa.url }), certificateChain: tsaChain.pem } }
        : {}),
    },
  };
}

/** The trust root a field names, and the field, or undefined for the public instance. */
interface Reference {
  readonly name: string;
  readonly field: FieldPath;
}

/** Which trust root a signer uses: its own `trustRoot`, else the environment's, else the public instance. */
function referenceOf(env: RawEnvironment, signerPath: FieldPath, signerTrustRoot: string | undefined): Reference | undefined {
  if (signerTrustRoot !== undefined) return { name: signerTrustRoot, field: [...signerPath, 'trustRoot'] };
  if (env.trustRoot !== undefined) return { name: env.trustRoot, field: ['trustRoot'] };
  return undefined;
}

/**
 * Every reference of one environment to a trust root: it must exist; a signer of a private instance has no
 * `rekorUrl` (the instance names its Rekor); ClusterPolicy needs PEM material; and the publisher of an OCI artifact
 * must sign with an instance the generated workflow and Flux's source-controller can use.
 */
function referenceProblems(
  env: RawEnvironment,
  known: ReadonlySet<string>,
  trustRoots: ReadonlyMap<string, ReadTrustRootResult>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const names = [...known].filter((name) => name !== PUBLIC_TRUST_ROOT);
  const exists = (reference: Reference) => {
    if (reference.name === PUBLIC_TRUST_ROOT || known.has(reference.name)) return true;
    problems.push({
      field: reference.field,
      message: `"${reference.name}" is not a trust root: define it under trustRoots (known: ${[PUBLIC_TRUST_ROOT, ...names].join(', ')})`,
    });
    return false;
  };
  if (env.trustRoot !== undefined) exists({ name: env.trustRoot, field: ['trustRoot'] });
  const signers: [FieldPath, RawEnvironment['signer'] | undefined][] = [
    [['signer'], env.signer],
    [['provenance', 'signer'], env.provenance?.signer],
  ];
  for (const [path, signer] of signers) {
    if (signer === undefined) continue;
    if (signer.trustRoot !== undefined && !exists({ name: signer.trustRoot, field: [...path, 'trustRoot'] })) continue;
    const reference = referenceOf(env, path, signer.trustRoot);
    const trustRoot = reference && reference.name !== PUBLIC_TRUST_ROOT ? trustRoots.get(reference.name) : undefined;
    if (reference === undefined || reference.name === PUBLIC_TRUST_ROOT) continue;
    if (signer.rekorUrl !== undefined) {
      problems.push({
        field: [...path, 'rekorUrl'],
        message: `applies to the public Sigstore instance (a proxy of its Rekor log): trust root "${reference.name}" names its own Rekor (trustRoots.${reference.name}.rekor.url)`,
      });
    }
    // A trust root whose files have problems is reported there; it cannot be judged here.
    if (trustRoot && (env.engine ?? DEFAULT_ENGINE) === 'ClusterPolicy' && trustRoot.value.material === undefined) {
      problems.push({ field: reference.field, message: clusterPolicyMaterialProblem(trustRoot) });
    }
  }
  if (env.delivery?.mode === 'oci' && env.delivery.signer !== undefined) problems.push(...publisherProblems(env, known, trustRoots));
  return problems;
}

/** Why ClusterPolicy cannot render a trust root without PEM material. */
function clusterPolicyMaterialProblem({ value: trustRoot, pemProblem }: ReadTrustRootResult): string {
  const alternatives = 'use engine ImageValidatingPolicy, or describe the instance by its files';
  if (trustRoot.source.form === 'tuf') {
    return (
      `trust root "${trustRoot.name}" is a TUF repository, which a ClusterPolicy cannot name (its keyless attestor takes roots, ` +
      `rekor and ctlog; Kyverno's --tufMirror and --tufRoot flags apply to the whole cluster): ${alternatives}`
    );
  }
  return `trust root "${trustRoot.name}": a ClusterPolicy takes one set of Fulcio roots, one Rekor key and one CT log key, and its trusted root ${pemProblem}: ${alternatives}`;
}

/** Where an OCI environment's publisher's trust root is named, and which it is. */
function publisherReference(env: RawEnvironment): Reference | undefined {
  return referenceOf(env, ['delivery', 'signer'], env.delivery?.signer?.trustRoot);
}

/**
 * The publishing workflow signs with cosign, which takes a private instance by its URLs and key files; Flux's
 * source-controller v1.9.1 verifies against a trusted root and requires its transparency log and SCTs
 * (internal/oci/cosign/cosign.go: the Rekor URL is taken from the trusted root, and no check can be switched off).
 */
function publisherProblems(
  env: RawEnvironment,
  known: ReadonlySet<string>,
  trustRoots: ReadonlyMap<string, ReadTrustRootResult>,
): FieldProblem[] {
  const delivery = env.delivery!;
  const reference = publisherReference(env);
  if (reference !== undefined && reference.field[0] === 'delivery' && !known.has(reference.name) && reference.name !== PUBLIC_TRUST_ROOT) {
    return [{ field: reference.field, message: `"${reference.name}" is not a trust root: define it under trustRoots` }];
  }
  if (reference === undefined || reference.name === PUBLIC_TRUST_ROOT) {
    return delivery.trustedRootSecret === undefined
      ? []
      : [
          {
            field: ['delivery', 'trustedRootSecret'],
            message:
              'applies to a publisher that signs with a private Sigstore instance: name it in delivery.signer.trustRoot (the workflow then signs against it), or remove trustedRootSecret',
          },
        ];
  }
  const trustRoot = trustRoots.get(reference.name)?.value;
  if (trustRoot === undefined) return [];
  // An environment's trust root is its publisher's too unless delivery.signer names another: say where it comes from.
  const publisher =
    reference.field[0] === 'delivery'
      ? `the publishing workflow signs with trust root "${trustRoot.name}"`
      : `the publishing workflow signs with the environment's trust root "${trustRoot.name}" (set delivery.signer.trustRoot to choose another)`;
  const problems: FieldProblem[] = [];
  if (trustRoot.source.form !== 'files') {
    problems.push({
      field: reference.field,
      message: `${publisher}, a ${trustRoot.source.form === 'tuf' ? 'TUF repository' : 'trusted root'}: its cosign takes a private instance by its URLs and key files, so describe the publisher's instance by its files`,
    });
  } else if (trustRoot.material?.fulcio.url === undefined) {
    problems.push({
      field: reference.field,
      message: `${publisher}, which has no fulcio.url: the workflow must know where to request its signing certificate`,
    });
  }
  const switches = INSECURE_SWITCHES.filter((name) => trustRoot[name] !== undefined);
  if (switches.length > 0) {
    problems.push({
      field: reference.field,
      message: `${publisher}, which sets ${switches.join(' and ')}: Flux's source-controller checks every published artifact in the transparency log and its SCT, and cannot skip either`,
    });
  }
  return problems;
}

/** One artifact is signed once: environments publishing to one repository must sign with one instance. */
function publisherConsistencyProblems(environments: readonly RawEnvironment[]): RootedProblem[] {
  const problems: RootedProblem[] = [];
  const first = new Map<string, { trustRoot: string; name: string }>();
  environments.forEach((env, index) => {
    if (env.delivery?.mode !== 'oci' || env.delivery.repository === undefined) return;
    const trustRoot = publisherReference(env)?.name ?? PUBLIC_TRUST_ROOT;
    const other = first.get(env.delivery.repository);
    if (other === undefined) first.set(env.delivery.repository, { trustRoot, name: env.name });
    else if (other.trustRoot !== trustRoot) {
      problems.push({
        path: ['environments', index, 'delivery', 'signer'],
        message: `signs ${env.delivery.repository} with trust root "${trustRoot}", environment "${other.name}" with "${other.trustRoot}": an artifact is signed once, against one instance`,
      });
    }
  });
  return problems;
}
