import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli';
import { defineCommand, execute } from '../src/commands/command';
import { INTERNAL_ERROR_EXIT_CODE, UserError } from '../src/errors';
import { MANIFEST_FILE } from '../src/output/manifest';
import { diffTrees, readTree } from '../src/output/write';
import type { Readiness } from '../src/rollout/readiness';
import { MAX_REPORTS_BYTES } from '../src/rollout/reports';
import { runCli, tempDir, writeConfig } from './helpers';

const REPORTS = join('test', 'fixtures', 'reports');
const REPORTS_CONFIG = join(REPORTS, 'environments.yaml');
/** A line of a JavaScript stack trace. */
const STACK_FRAME = /^\s+at /m;

/** A config of audit-phase environments with the given names. */
function auditConfig(names: readonly string[], subject = 'https://github.com/acme/*'): string {
  const environment = (name: string) => `
  - name: ${name}
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: "${subject}" }
    policies:
      verify-image-signatures: { phase: audit }
      restrict-image-registries: { phase: audit }`;
  return `environments:${names.map(environment).join('')}\n`;
}

describe('--help', () => {
  it.each(COMMANDS.map((command) => [command.name, command] as const))(
    '%s --help lists every option and exit code, exit 0',
    (name, command) => {
      for (const flag of ['--help', '-h']) {
        const { code, out, err } = runCli(name, flag);
        expect(code).toBe(0);
        expect(err).toBe('');
        expect(out.split('\n')[0]).toBe(`usage: ${name} ${command.usage}`);
        for (const option of Object.keys(command.options)) expect(out).toMatch(new RegExp(`^  (-\\w, )?--${option}\\b`, 'm'));
        for (const { code: exitCode } of command.exitCodes) expect(out).toMatch(new RegExp(`^  ${exitCode} +\\S`, 'm'));
        expect(out).toMatch(/^ {2}70 +internal error/m);
      }
    },
  );

  it('answers --help even beside an unknown option or a missing value', () => {
    expect(runCli('synth', '--bogus', '--help')).toMatchObject({ code: 0, err: '' });
    expect(runCli('readiness', '--help', '--env')).toMatchObject({ code: 0, err: '' });
  });

  it('every option help lists is one the command parses', () => {
    const missingConfig = join(tempDir(), 'missing.yaml'); // each run stops at the config, after parsing
    for (const command of COMMANDS) {
      for (const [name, option] of Object.entries(command.options)) {
        const argv = name === 'config' ? [] : option.type === 'string' ? [`--${name}`, 'x'] : [`--${name}`];
        const { code, err } = runCli(command.name, ...argv, '--config', missingConfig);
        expect(err, `${command.name} --${name}`).not.toMatch(/^usage error/);
        expect(err).toContain(missingConfig);
        expect(code).not.toBe(0);
      }
    }
  });

  it('without a command: lists every command on stdout; --help exits 0, nothing at all exits 2', () => {
    const help = runCli('--help');
    expect(help.code).toBe(0);
    for (const { name } of COMMANDS) expect(help.out.split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^  ${name} +\\S`)));
    expect(COMMANDS.every(({ summary }) => help.out.includes(summary))).toBe(true);
    expect(runCli().code).toBe(2);
  });

  it('an unknown command is a usage error listing the commands', () => {
    const { code, err } = runCli('synthesize');
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe("usage error: unknown command 'synthesize'");
    for (const { name } of COMMANDS) expect(err).toContain(name);
  });
});

describe('usage errors: one line, exit 2', () => {
  it.each([
    [['synth', '--bogus'], "usage error: Unknown option '--bogus' (see synth --help)"],
    [['check', '--config'], "usage error: Option '--config <value>' argument missing (see check --help)"],
    [['synth', '--outdir', ''], 'usage error: --outdir is empty: name the output directory, e.g. --outdir dist (see synth --help)'],
    [['synth', 'production'], "usage error: unexpected argument 'production': synth takes no positional arguments (see synth --help)"],
    [['verify', '--config', REPORTS_CONFIG, '--env', 'develop'], 'usage error: expected one image reference, got 0 (see verify --help)'],
    [['readiness', '--config', REPORTS_CONFIG, '--env', 'develop'], 'usage error: --reports <file|-> is required'],
    [['readiness', '--config', REPORTS_CONFIG, '--reports', '-'], 'usage error: --env is required (environments in'],
  ])('%j', (argv, message) => {
    const { code, out, err } = runCli(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.split('\n')).toHaveLength(1);
    expect(err.startsWith(message)).toBe(true);
  });
});

describe('known failures: a message naming the path, no stack', () => {
  const expectOneLine = ({ err }: { err: string }) => {
    expect(err).not.toMatch(STACK_FRAME);
    expect(err).not.toContain('internal error');
  };

  it('an output directory below a file: the filesystem error names the path, exit 1', () => {
    const file = join(tempDir(), 'dist');
    writeFileSync(file, 'not a directory\n');
    const result = runCli('synth', '--config', writeConfig(auditConfig(['blue'])), '--outdir', join(file, 'out'));
    expect(result.code).toBe(1);
    expectOneLine(result);
    expect(result.err).toMatch(new RegExp(`^cannot \\w[\\w ]* ${file}\\b.*\\((ENOTDIR|EEXIST)\\)`));
    expect(readFileSync(file, 'utf8')).toBe('not a directory\n');
  });

  it('the output directory is a file: check names it, exit 1', () => {
    const file = join(tempDir(), 'dist');
    writeFileSync(file, 'not a directory\n');
    const result = runCli('check', '--config', writeConfig(auditConfig(['blue'])), '--outdir', file);
    expect(result.code).toBe(1);
    expectOneLine(result);
    expect(result.err).toMatch(new RegExp(`^refusing to write to output directory "${file}": it is not a directory`));
  });

  it('an unreadable config (a directory): exit 1 from synth, 2 from readiness', () => {
    const config = tempDir();
    const synth = runCli('synth', '--config', config, '--outdir', join(tempDir(), 'dist'));
    expect(synth.code).toBe(1);
    expectOneLine(synth);
    expect(synth.err).toContain(config);
    const readiness = runCli('readiness', '--config', config, '--env', 'develop', '--reports', join(REPORTS, 'clean.json'));
    expect(readiness.code).toBe(2);
    expect(readiness.err).toBe(synth.err.split('\n')[0]);
  });

  it('a config that is an alias bomb: a message, exit 1', () => {
    const anchors = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      anchors.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const result = runCli('check', '--config', writeConfig(`${anchors.join('\n')}\nenvironments: []\n`), '--outdir', tempDir());
    expect(result.code).toBe(1);
    expectOneLine(result);
    expect(result.err).toMatch(/alias/i);
  });

  describe('readiness: any unusable report input exits 2, never 1', () => {
    const judge = (reports: string) => runCli('readiness', '--config', REPORTS_CONFIG, '--env', 'develop', '--reports', reports);

    it('an alias bomb', () => {
      const bomb = ['apiVersion: v1', 'kind: List', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (const name of ['b', 'c', 'd', 'e', 'f', 'g'])
        bomb.push(
          `${name}: &${name} [${Array(10)
            .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
            .join(', ')}]`,
        );
      const file = join(tempDir(), 'reports.yaml');
      writeFileSync(file, `${bomb.join('\n')}\nitems: []\n`);
      const result = judge(file);
      expect(result.code).toBe(2);
      expectOneLine(result);
      expect(result.err).toBe(`${file}: expands more YAML aliases (*name) than is safe (an alias bomb?): export the reports as JSON again`);
    });

    it(`more than ${MAX_REPORTS_BYTES} bytes`, () => {
      const file = join(tempDir(), 'reports.json');
      writeFileSync(file, '');
      truncateSync(file, MAX_REPORTS_BYTES + 1); // sparse: costs no disk space
      const result = judge(file);
      expect(result.code).toBe(2);
      expectOneLine(result);
      expect(result.err).toMatch(new RegExp(`^${file} is larger than 64 MiB`));
    });

    it('an endless stream (a device with no size, as a pipe): refused once 64 MiB are read', () => {
      const result = judge('/dev/zero');
      expect(result.code).toBe(2);
      expect(result.err).toBe(
        '/dev/zero is larger than 64 MiB: export the reports in parts (e.g. per namespace, `-n <namespace>`) and judge each',
      );
    });

    it('a missing file, and a directory', () => {
      const missing = judge(join(tempDir(), 'missing.json'));
      expect(missing.code).toBe(2);
      expectOneLine(missing);
      expect(missing.err).toMatch(/^cannot open \S+missing\.json: no such file or directory \(ENOENT\)/);
      const directory = tempDir();
      const result = judge(directory);
      expect(result.code).toBe(2);
      expectOneLine(result);
      expect(result.err).toContain(directory);
    });
  });
});

describe('the error boundary', () => {
  const failing = (failure: unknown, unusableInputExitCode?: number) =>
    defineCommand({
      name: 'fail',
      usage: '',
      summary: 'throws',
      options: {},
      exitCodes: [],
      unusableInputExitCode,
      run: () => {
        throw failure;
      },
    });
  const run = (command: ReturnType<typeof failing>) => {
    const err: string[] = [];
    const code = execute(command, [], { out: () => {}, err: (line) => err.push(line) });
    return { code, err: err.join('\n') };
  };

  it('an unexpected error is a bug: says so, prints the stack, exit 70', () => {
    const { code, err } = run(failing(new TypeError('undefined is not a function')));
    expect(code).toBe(INTERNAL_ERROR_EXIT_CODE);
    expect(err.split('\n')[0]).toBe('internal error (a bug in supply-chain-guardrails; please report it with this output):');
    expect(err).toContain('TypeError: undefined is not a function');
    expect(err).toMatch(STACK_FRAME);
  });

  it("a UserError: its message and exit code, or the command's one code for unusable input", () => {
    expect(run(failing(new UserError('refused: because', 3)))).toEqual({ code: 3, err: 'refused: because' });
    expect(run(failing(new UserError('refused: because', 3), 2))).toEqual({ code: 2, err: 'refused: because' });
  });

  it.each([
    ['ENOSPC', 'write', 'no space left on the device (ENOSPC); free some space and run again'],
    ['EACCES', 'open', 'permission denied (EACCES)'],
    ['EROFS', 'mkdir', 'read-only file system (EROFS)'],
    ['EACCES', 'spawnSync cosign', 'permission denied (EACCES)'],
  ])('a filesystem error %s from %s: one line naming the path, exit 1', (code, syscall, text) => {
    const error = Object.assign(new Error(`${code}: raw`), { code, syscall, path: '/srv/out/dist' });
    const result = run(failing(error));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^cannot \\w[\\w ]* /srv/out/dist: ${text.replace(/[()]/g, '\\$&')}`));
    expect(result.err.split('\n')).toHaveLength(1);
  });
});

describe('synth prints what it changed, as check does', () => {
  /** Synthesizes `config` into `outdir`, returning the exit code, stdout lines and how the tree on disk changed. */
  function synth(config: string, outdir: string, ...extra: string[]) {
    const before = readTree(outdir);
    const { code, out, err } = runCli('synth', '--config', config, '--outdir', outdir, ...extra);
    expect(err).toBe('');
    return { code, lines: out.split('\n'), disk: diffTrees(readTree(outdir), before) };
  }
  const fileLines = (lines: readonly string[]) => lines.filter((line) => /^(added|changed|removed)[: ]/.test(line));

  it('a new tree: one line per new environment naming its directories, the count, and the next step', () => {
    const outdir = join(tempDir(), 'dist');
    const { code, lines, disk } = synth(writeConfig(auditConfig(['blue', 'green'])), outdir);
    expect(code).toBe(0);
    for (const env of ['blue', 'green']) {
      const files = disk.added.filter((path) => path.startsWith(`${env}/`) || path.includes(`/${env}/`));
      expect(lines).toContain(`added environment ${env}: ${outdir}/${env}/, ${outdir}/flux/${env}/ (${files.length} files)`);
      expect(lines.some((line) => line.startsWith(`next: environment "${env}" is new`))).toBe(true);
    }
    expect(lines).toContain(`wrote ${outdir}/: ${disk.added.length} added, 0 changed, 0 removed (${disk.added.length} files)`);
  });

  it('an edit: exactly the files that changed on disk; check listed the same lines before', () => {
    const project = tempDir();
    const outdir = join(project, 'dist');
    const lockDir = join(project, 'test', 'policy-lock');
    const original = writeConfig(auditConfig(['blue', 'green']));
    synth(original, outdir);
    expect(runCli('lock', '--accept', '--config', original, '--lock-dir', lockDir).code).toBe(0);
    const edited = writeConfig(auditConfig(['blue', 'green'], 'https://github.com/acme/deploy/*'));
    const stale = runCli('check', '--config', edited, '--outdir', outdir);
    expect(stale.code).toBe(1);

    const { lines, disk } = synth(edited, outdir);
    expect(disk.changed.length).toBeGreaterThan(0);
    // The manifest records every file's id: it changes with them, and is not listed besides them.
    expect(disk.changed).toContain(MANIFEST_FILE);
    expect(fileLines(lines)).toEqual(disk.changed.filter((path) => path !== MANIFEST_FILE).map((path) => `changed: ${outdir}/${path}`));
    expect(stale.err.split('\n').slice(0, -1)).toEqual(fileLines(lines));
    // No environment is new; the policies changed, so the project's lock beside dist/ must follow.
    expect(lines.filter((line) => line.startsWith('next:'))).toEqual([
      `next: the policy lock ${lockDir}/ no longer matches the config: review with \`npm run lock\`, accept with \`npm run lock -- --accept\`, and commit it with the config`,
    ]);
  });

  it('no lock hint when the lock already matches the edited config, or when the project has no lock', () => {
    const project = tempDir();
    const outdir = join(project, 'dist');
    synth(writeConfig(auditConfig(['blue'])), outdir);
    const edited = writeConfig(auditConfig(['blue'], 'https://github.com/acme/deploy/*'));
    const withoutLock = synth(edited, outdir);
    expect(withoutLock.disk.changed.length).toBeGreaterThan(0);
    expect(withoutLock.lines.filter((line) => line.startsWith('next:'))).toEqual([]);

    expect(
      runCli(
        'lock',
        '--accept',
        '--config',
        writeConfig(auditConfig(['blue'], 'https://github.com/acme/other/*')),
        '--lock-dir',
        join(project, 'test', 'policy-lock'),
      ).code,
    ).toBe(0);
    const acceptedFirst = synth(writeConfig(auditConfig(['blue'], 'https://github.com/acme/other/*')), outdir);
    expect(acceptedFirst.disk.changed.length).toBeGreaterThan(0);
    expect(acceptedFirst.lines.filter((line) => line.startsWith('next:'))).toEqual([]);
  });

  it('renaming an environment says which one disappeared and which appeared', () => {
    const outdir = join(tempDir(), 'dist');
    synth(writeConfig(auditConfig(['blue', 'green'])), outdir);
    const { lines, disk } = synth(writeConfig(auditConfig(['blue', 'teal'])), outdir);
    const removedFiles = disk.removed.filter((path) => path.startsWith('green/') || path.includes('/green/')).length;
    expect(removedFiles).toBe(disk.removed.length);
    expect(lines).toContain(`removed environment green: ${outdir}/green/, ${outdir}/flux/green/ (${removedFiles} files)`);
    expect(lines.some((line) => line.startsWith(`added environment teal: ${outdir}/teal/`))).toBe(true);
    // The manifest changed too, but the environments' lines explain it.
    expect(lines.some((line) => line.includes(MANIFEST_FILE))).toBe(false);
  });

  it('an unchanged tree: up to date, no file lines', () => {
    const outdir = join(tempDir(), 'dist');
    const config = writeConfig(auditConfig(['blue']));
    synth(config, outdir);
    const { lines } = synth(config, outdir);
    expect(fileLines(lines)).toEqual([]);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^${outdir}/ and the entry points in ${join(outdir, '..', 'clusters')}/ are up to date \\(\\d+ files, 1 entry points\\)$`),
    );
  });

  it('a file outside any environment directory keeps its own line in check (synth refuses to delete it)', () => {
    const outdir = join(tempDir(), 'dist');
    const config = writeConfig(auditConfig(['blue']));
    synth(config, outdir);
    writeFileSync(join(outdir, 'stray.yaml'), 'kind: ConfigMap\n');
    const stale = runCli('check', '--config', config, '--outdir', outdir);
    expect(stale.code).toBe(1);
    expect(fileLines(stale.err.split('\n'))).toEqual([`removed: ${outdir}/stray.yaml`]);
  });
});

describe('readiness --policy judges one policy alone', () => {
  /** `readiness --json` for the platform environment (all four guardrails in audit), where only the registry restriction fails. */
  function judge(...policies: string[]) {
    const argv = [
      'readiness',
      '--config',
      REPORTS_CONFIG,
      '--env',
      'platform',
      '--reports',
      join(REPORTS, 'all-guardrails.yaml'),
      '--json',
    ];
    const { code, out, err } = runCli(...argv, ...policies.flatMap((policy) => ['--policy', policy]));
    return { code, err, verdict: code === 2 ? undefined : (JSON.parse(out) as Readiness) };
  }

  it('a clean policy is ready although another policy fails', () => {
    const { code, verdict } = judge('verify-image-signatures');
    expect(code).toBe(0);
    expect(verdict?.policies.map((p) => [p.policy, p.ready])).toEqual([['verify-image-signatures', true]]);
    expect(judge().code).toBe(1);
  });

  it('the failing policy alone, or among others: not ready', () => {
    expect(judge('restrict-image-registries')).toMatchObject({ code: 1, verdict: { ready: false } });
    const both = judge('verify-image-signatures', 'restrict-image-registries');
    expect(both.code).toBe(1);
    expect(both.verdict?.policies.map((p) => p.policy)).toEqual(['verify-image-signatures', 'restrict-image-registries']);
  });

  it('the results of the other policies are counted as ignored', () => {
    const all = judge().verdict!;
    const one = judge('verify-image-signatures').verdict!;
    const others = all.policies.filter((p) => p.policy !== 'verify-image-signatures');
    const theirResults = others.reduce((sum, p) => sum + Object.values(p.counts).reduce((a, b) => a + b, 0), 0);
    expect(one.ignoredResults).toBe(all.ignoredResults + theirResults);
  });

  it('an unknown or not-enabled policy: exit 2 naming the enabled ones', () => {
    const unknown = judge('verify-everything');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--policy verify-everything: not enabled in environment "platform" (enabled: verify-image-signatures,');
    const notEnabled = runCli(
      'readiness',
      '--config',
      REPORTS_CONFIG,
      '--env',
      'develop',
      '--reports',
      join(REPORTS, 'clean.json'),
      '--policy',
      'restrict-image-registries',
    );
    expect(notEnabled.code).toBe(2);
    expect(notEnabled.err).toBe(
      '--policy restrict-image-registries: not enabled in environment "develop" (enabled: verify-image-signatures, require-sbom-attestation)',
    );
  });
});
