import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigProblem } from '../../src/config/load';
import type { Environment } from '../../src/model/environment';
import { readTree } from '../../src/output/write';
import { runCli, tempDir } from '../helpers';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/sigstore');

/** A config file in a fresh directory beside a `sigstore/` link to the fixture certificates and keys. */
function configFile(text: string): string {
  const dir = tempDir();
  symlinkSync(FIXTURES, join(dir, 'sigstore'), 'dir');
  const file = join(dir, 'environments.yaml');
  writeFileSync(file, text);
  return file;
}

const ENVIRONMENT = `  - name: lab
    trustRoot: lab
    imagePatterns: [registry.lab.test/apps/*]
    signer: { issuer: https://issuer.lab.test, subject: https://git.lab.test/apps/* }
    policies:
      verify-image-signatures: { phase: enforce }
`;

/** A config whose one trust root `lab` is `trustRoot` (indented as its fields), used by environment `lab`. */
const withTrustRoot = (trustRoot: string, environments = ENVIRONMENT) =>
  `trustRoots:\n  lab:\n${trustRoot}\nenvironments:\n${environments}`;

/** A complete instance described by its files, to vary one field at a time. */
const COMPLETE = {
  fulcio:
    '    fulcio: { url: https://fulcio.sigstore.test, roots: sigstore/fulcio-root.pem, intermediates: sigstore/fulcio-intermediate.pem }',
  rekor: '    rekor: { url: https://rekor.sigstore.test, publicKey: sigstore/rekor.pub }',
  ctlog: '    ctlog: { publicKey: sigstore/ctfe.pub }',
  tsa: '    tsa: { certificateChain: sigstore/tsa-chain.pem }',
};
const complete = (overrides: Partial<Record<keyof typeof COMPLETE, string>> = {}) =>
  Object.values({ ...COMPLETE, ...overrides })
    .filter((line) => line !== '')
    .join('\n');

function load(text: string): { file: string; result: Environment[] | readonly ConfigProblem[] } {
  const file = configFile(text);
  try {
    return { file, result: loadConfig(file) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { file, result: error.problems };
  }
}

function problemsOf(text: string): { file: string; problems: readonly ConfigProblem[] } {
  const { file, result } = load(text);
  if (!('length' in result) || result.length === 0 || !('message' in result[0])) {
    throw new Error(`the config was accepted:\n${text}`);
  }
  return { file, problems: result as readonly ConfigProblem[] };
}

describe('a trust root is read from its files', () => {
  it('resolves every signer of the environment to it, with its material in canonical PEM and its trusted root', () => {
    const { result } = load(withTrustRoot(complete()));
    const [env] = result as Environment[];
    const trustRoot = env.signer.trustRoot;
    if (trustRoot.kind !== 'private') throw new Error('not private');
    expect(trustRoot.name).toBe('lab');
    expect(trustRoot.source).toEqual({ form: 'files' });
    expect(trustRoot.material?.fulcio.roots.file?.path).toBe('sigstore/fulcio-root.pem');
    expect(trustRoot.material?.fulcio.roots.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(trustRoot.material?.rekor?.url).toBe('https://rekor.sigstore.test');
    expect(trustRoot.material?.ctlog?.publicKey.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(JSON.parse(trustRoot.trustedRoot!).mediaType).toBe('application/vnd.dev.sigstore.trustedroot+json;version=0.1');
  });

  it('leaves every signer that names none, in every environment that names none, on the public instance', () => {
    const { result } = load(withTrustRoot(complete(), `${ENVIRONMENT.replace('    trustRoot: lab\n', '')}`));
    expect((result as Environment[])[0].signer.trustRoot).toEqual({
      kind: 'public',
      name: 'public',
      rekorUrl: 'https://rekor.sigstore.dev',
    });
  });
});

/** One bad input: the trust root (or environments) it is in, the field refused, and what the message says. */
interface BadInput {
  readonly name: string;
  readonly config: string;
  readonly field: string;
  readonly message: RegExp;
}

const BAD_FILES: BadInput[] = [
  {
    name: 'a PEM that does not parse',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/garbage.pem }' })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /^"sigstore\/garbage\.pem" does not parse as a certificate: /,
  },
  {
    name: 'a file without a PEM block',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/not-pem.txt }' })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /^"sigstore\/not-pem\.txt" holds no PEM block/,
  },
  {
    name: 'an expired root',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/expired-root.pem }' })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /^"sigstore\/expired-root\.pem" \(O=supply-chain-guardrails test, CN=Expired Root\) expired on 2001-01-01$/,
  },
  {
    name: 'a root not yet valid',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/not-yet-valid-root.pem }' })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /\(O=supply-chain-guardrails test, CN=Not Yet Valid Root\) is not valid before 2100-01-01$/,
  },
  {
    name: 'a root that is not a CA',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/leaf-certificate.pem }' })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /CN=Not A CA\) is not a CA certificate \(basicConstraints CA:FALSE\)$/,
  },
  {
    name: 'an intermediate that is not a CA',
    config: withTrustRoot(
      complete({ fulcio: '    fulcio: { roots: sigstore/fulcio-root.pem, intermediates: sigstore/leaf-certificate.pem }' }),
    ),
    field: 'trustRoots.lab.fulcio.intermediates',
    message: /is not a CA certificate/,
  },
  {
    name: 'an intermediate issued under none of the roots',
    config: withTrustRoot(
      complete({ fulcio: '    fulcio: { roots: sigstore/fulcio-root.pem, intermediates: sigstore/unrelated-intermediate.pem }' }),
    ),
    field: 'trustRoots.lab.fulcio.intermediates',
    message: /CN=Intermediate Of Another Root\) is issued by none of fulcio\.roots/,
  },
  {
    name: 'a private key given as the Rekor key',
    config: withTrustRoot(complete({ rekor: '    rekor: { url: https://rekor.sigstore.test, publicKey: sigstore/private-key.pem }' })),
    field: 'trustRoots.lab.rekor.publicKey',
    message: /holds a PRIVATE KEY block where a public key .* is expected: remove it, a private key must never be committed$/,
  },
  {
    name: 'a certificate given as the CT log key',
    config: withTrustRoot(complete({ ctlog: '    ctlog: { publicKey: sigstore/fulcio-root.pem }' })),
    field: 'trustRoots.lab.ctlog.publicKey',
    message: /holds a CERTIFICATE block where a public key \(-----BEGIN PUBLIC KEY-----\) is expected$/,
  },
  {
    name: 'a Rekor key that is not a public key at all',
    config: withTrustRoot(complete({ rekor: '    rekor: { url: https://rekor.sigstore.test, publicKey: sigstore/not-pem.txt }' })),
    field: 'trustRoots.lab.rekor.publicKey',
    message: /holds no PEM block \(-----BEGIN PUBLIC KEY-----\)$/,
  },
  {
    name: 'a TSA chain without root',
    config: withTrustRoot(complete({ tsa: '    tsa: { certificateChain: sigstore/leaf-certificate.pem }' })),
    field: 'trustRoots.lab.tsa.certificateChain',
    message: /is not a timestamping certificate/,
  },
  {
    name: 'a file that does not exist',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/missing.pem }' })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /^cannot read "sigstore\/missing\.pem" \(no such file\); paths are relative to the config file$/,
  },
  {
    name: 'an absolute path',
    config: withTrustRoot(complete({ fulcio: `    fulcio: { roots: ${FIXTURES}/fulcio-root.pem }` })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /is an absolute path: name a file of the repository, relative to the config file$/,
  },
  {
    name: 'a path out of the repository',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: ../../etc/passwd }' })),
    field: 'trustRoots.lab.fulcio.roots',
    message: /is outside the config file's directory/,
  },
  {
    name: 'a trusted root that is not one',
    config: withTrustRoot('    trustedRoot: sigstore/tuf-root.json'),
    field: 'trustRoots.lab.trustedRoot',
    message: /has mediaType undefined: a Sigstore trusted root declares application\/vnd\.dev\.sigstore\.trustedroot\+json;version=0\.1$/,
  },
  {
    name: 'a TUF root that is not JSON',
    config: withTrustRoot(
      '    tuf: { mirror: https://tuf.sigstore.test, root: sigstore/fulcio-root.pem }',
      ENVIRONMENT.replace('  - name: lab\n', '  - name: lab\n    engine: ImageValidatingPolicy\n'),
    ),
    field: 'trustRoots.lab.tuf.root',
    message: /is not JSON: /,
  },
];

const BAD_TUF_ROOTS: [string, (signed: Record<string, any>) => void, RegExp][] = [
  ['no key', (signed) => (signed.keys = {}), /trusts no key \(signed\.keys is empty\)/],
  ['a role without keys', (signed) => (signed.roles.timestamp.keyids = []), /names no key for the timestamp role/],
  ['a role left out', (signed) => delete signed.roles.snapshot, /names no key for the snapshot role/],
  [
    'a key id it does not hold',
    (signed) => (signed.roles.targets.keyids = ['f00d']),
    /names the key "f00d" for the targets role, which signed\.keys does not hold/,
  ],
  [
    'a threshold no key set meets',
    (signed) => (signed.roles.root.threshold = 2),
    /has the root role's threshold 2: a whole number from 1 to its 1 key/,
  ],
  ['a threshold of zero', (signed) => (signed.roles.root.threshold = 0), /has the root role's threshold 0/],
];

const BAD_URLS: BadInput[] = [
  ['http://rekor.sigstore.test', /^must be an https URL$/],
  ['https://', /is not a URL/],
  ['https://user:secret@rekor.sigstore.test', /carries credentials/],
  ['https://rekor.sigstore.test/?log=1', /has a query or fragment/],
  ['https://rekor.sigst\u043ere.test', /has a space or a character beyond ASCII: .*punycode \(https:\/\/rekor\.xn--/],
].map(([url, message]) => ({
  name: `a Rekor URL ${url}`,
  config: withTrustRoot(complete({ rekor: `    rekor: { url: "${url}", publicKey: sigstore/rekor.pub }` })),
  field: 'trustRoots.lab.rekor.url',
  message: message as RegExp,
}));

const BAD_SHAPES: BadInput[] = [
  {
    name: 'two descriptions of one instance',
    config: withTrustRoot(`${complete()}\n    trustedRoot: sigstore/trusted_root.json`),
    field: 'trustRoots.lab',
    message: /describes the instance 2 ways \(fulcio, trustedRoot\): keep one$/,
  },
  {
    name: 'no transparency log, and no switch that says so',
    config: withTrustRoot(complete({ rekor: '' })),
    field: 'trustRoots.lab',
    message: /names no transparency log: give rekor \(url and publicKey\), or insecureIgnoreTlog with the reason/,
  },
  {
    name: 'a CT log and the switch that ignores it',
    config: withTrustRoot(`${complete()}\n    insecureIgnoreSCT: no CT log`),
    field: 'trustRoots.lab.insecureIgnoreSCT',
    message: /contradicts ctlog/,
  },
  {
    name: 'a switch without a reason',
    config: withTrustRoot(`${complete({ rekor: '' })}\n    insecureIgnoreTlog: " "`),
    field: 'trustRoots.lab.insecureIgnoreTlog',
    message: /must state the reason this check may be given up/,
  },
  {
    name: 'a log of its own on a trusted root',
    config: withTrustRoot(`    trustedRoot: sigstore/trusted_root.json\n${COMPLETE.rekor}`),
    field: 'trustRoots.lab.rekor',
    message: /applies to an instance described by its files \(fulcio\): a trusted root names its own$/,
  },
  {
    name: 'the built-in name',
    config: `trustRoots:\n  public:\n${complete()}\nenvironments:\n${ENVIRONMENT.replace('trustRoot: lab', 'trustRoot: public')}`,
    field: 'trustRoots.public',
    message: /is the built-in public Sigstore instance: name this one otherwise$/,
  },
];

describe('a TUF root a client can bootstrap from', () => {
  const config = withTrustRoot(
    '    tuf: { mirror: https://tuf.sigstore.test, root: tuf/root.json }',
    ENVIRONMENT.replace('  - name: lab\n', '  - name: lab\n    engine: ImageValidatingPolicy\n'),
  );

  /** The config's problems with the fixture TUF root, `change`d, as its tuf/root.json. */
  function problemsWith(change: (signed: Record<string, any>) => void): readonly ConfigProblem[] {
    const root = JSON.parse(readFileSync(join(FIXTURES, 'tuf-root.json'), 'utf8'));
    change(root.signed);
    const file = configFile(config);
    mkdirSync(join(file, '..', 'tuf'));
    writeFileSync(join(file, '..', 'tuf', 'root.json'), JSON.stringify(root));
    try {
      loadConfig(file);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems;
    }
  }

  it.each(BAD_TUF_ROOTS)('refuses one with %s at tuf.root, naming the environment using it', (_name, change, message) => {
    const problems = problemsWith(change);
    expect(problems).toEqual([expect.objectContaining({ field: 'trustRoots.lab.tuf.root', environment: 'lab' })]);
    expect(problems[0].message).toMatch(message);
  });

  it('accepts the fixture: a key trusted for every top-level role', () => expect(problemsWith(() => {})).toEqual([]));
});

describe.each([
  ['its files', BAD_FILES],
  ['its URLs', BAD_URLS],
  ['its shape', BAD_SHAPES],
])('a trust root refused for %s', (_what, inputs) => {
  it.each(inputs)('$name: at its line and field, naming the environment using it', ({ config, field, message }) => {
    const { file, problems } = problemsOf(config);
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem.file).toBe(file);
    expect(problem.line).toBeGreaterThan(1);
    expect(problem.field).toBe(field);
    expect(problem.environment).toBe('lab');
    expect(problem.message).toMatch(message);
  });
});

/** ENVIRONMENT with `replace` applied, for refusals of how an environment uses a trust root. */
const environmentWith = (search: string, replacement: string) => ENVIRONMENT.replace(search, replacement);
const OCI_DELIVERY = `    delivery:
      mode: oci
      repository: ghcr.io/acme/guardrails-policies
      tag: main
      signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/guardrails/.github/workflows/publish.yaml@refs/heads/main }
`;
const withDelivery = (environment: string) => environment.replace('    policies:', `${OCI_DELIVERY}    policies:`);

const BAD_USES: BadInput[] = [
  {
    name: 'an environment naming a trust root not defined',
    config: withTrustRoot(complete(), environmentWith('trustRoot: lab', 'trustRoot: corp')),
    field: 'trustRoot',
    message: /^"corp" is not a trust root: define it under trustRoots \(known: public, lab\)$/,
  },
  {
    name: 'a signer naming a trust root not defined',
    config: withTrustRoot(
      complete(),
      environmentWith('subject: https://git.lab.test/apps/* }', 'subject: https://git.lab.test/apps/*, trustRoot: corp }'),
    ),
    field: 'signer.trustRoot',
    message: /^"corp" is not a trust root/,
  },
  {
    name: 'a Rekor URL on a signer of a private instance',
    config: withTrustRoot(
      complete(),
      environmentWith('subject: https://git.lab.test/apps/* }', 'subject: https://git.lab.test/apps/*, rekorUrl: https://rekor.lab.test }'),
    ),
    field: 'signer.rekorUrl',
    message:
      /applies to the public Sigstore instance \(a proxy of its Rekor log\): trust root "lab" names its own Rekor \(trustRoots\.lab\.rekor\.url\)$/,
  },
  {
    name: 'a TUF repository for a ClusterPolicy environment',
    config: withTrustRoot('    tuf: { mirror: https://tuf.sigstore.test, root: sigstore/tuf-root.json }'),
    field: 'trustRoot',
    message:
      /trust root "lab" is a TUF repository, which a ClusterPolicy cannot name .*: use engine ImageValidatingPolicy, or describe the instance by its files$/,
  },
  {
    name: 'a publisher on a private instance without fulcio.url',
    config: withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/fulcio-root.pem }' }), withDelivery(ENVIRONMENT)),
    field: 'trustRoot',
    message:
      /^the publishing workflow signs with the environment's trust root "lab" \(set delivery\.signer\.trustRoot to choose another\), which has no fulcio\.url: the workflow must know where to request its signing certificate$/,
  },
  {
    name: 'a publisher on a private instance that ignores the transparency log',
    config: withTrustRoot(`${complete({ rekor: '' })}\n    insecureIgnoreTlog: lab`, withDelivery(ENVIRONMENT)),
    field: 'trustRoot',
    message:
      /, which sets insecureIgnoreTlog: Flux's source-controller checks every published artifact in the transparency log and its SCT/,
  },
  {
    name: 'a publisher on a trusted root',
    config: withTrustRoot('    trustedRoot: sigstore/trusted_root.json', withDelivery(ENVIRONMENT)),
    field: 'trustRoot',
    message:
      /trust root "lab" \(set delivery\.signer\.trustRoot to choose another\), a trusted root: its cosign takes a private instance by its URLs and key files/,
  },
  {
    name: 'a trusted root Secret for a publisher of the public instance',
    config: withTrustRoot(
      complete(),
      withDelivery(ENVIRONMENT)
        .replace('      tag: main\n', '      tag: main\n      trustedRootSecret: sigstore-root\n')
        .replace('    trustRoot: lab\n', ''),
    ),
    field: 'delivery.trustedRootSecret',
    message: /applies to a publisher that signs with a private Sigstore instance: name it in delivery\.signer\.trustRoot/,
  },
];

describe('a use of a trust root refused', () => {
  it.each(BAD_USES)('$name: at the field that names it', ({ config, field, message }) => {
    const { file, problems } = problemsOf(config);
    expect(problems.map(({ field: f, message: m }) => `${f}: ${m}`)).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file, environment: 'lab', field });
    expect(problems[0].message).toMatch(message);
  });

  it('two environments signing one artifact against different instances', () => {
    const second = withDelivery(ENVIRONMENT).replace('name: lab', 'name: lab-two').replace('    trustRoot: lab\n', '');
    const { problems } = problemsOf(withTrustRoot(complete(), `${withDelivery(ENVIRONMENT)}${second}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ environment: 'lab-two', field: 'delivery.signer' });
    expect(problems[0].message).toBe(
      'signs ghcr.io/acme/guardrails-policies with trust root "public", environment "lab" with "lab": an artifact is signed once, against one instance',
    );
  });
});

describe('a refused trust root changes nothing', () => {
  it('synth names the file, line, environment and field, and leaves the output as it was', () => {
    const good = configFile(withTrustRoot(complete()));
    const outdir = join(good, '..', 'dist');
    expect(runCli('synth', '--config', good, '--outdir', outdir).code).toBe(0);
    const before = readTree(outdir);
    writeFileSync(good, withTrustRoot(complete({ fulcio: '    fulcio: { roots: sigstore/expired-root.pem }' })));
    const { code, err } = runCli('synth', '--config', good, '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toMatch(
      /environments\.yaml:3:\d+: environment "lab": trustRoots\.lab\.fulcio\.roots: "sigstore\/expired-root\.pem" \(O=supply-chain-guardrails test, CN=Expired Root\) expired on 2001-01-01/,
    );
    expect(err).toContain('dist/ was not changed.');
    expect(readTree(outdir)).toEqual(before);
  });
});
