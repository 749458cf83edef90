import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFieldPath } from '../../src/model/field-path';
import type { FileTree } from '../../src/model/layout';
import type { CommittedOutput } from '../../src/output/committed';
import { findHandEdits, type HandEdit } from '../../src/output/hand-edits';
import { gitIn, runCli, synthesizedProject, treeFor } from '../helpers';

/** The three-environments fixture synthesized and committed to a new git repository. */
function committedProject(): string {
  const dir = synthesizedProject();
  gitIn(dir, 'init', '-q');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '--no-verify', '-m', 'synthesized');
  return dir;
}

/** Replaces text in a file (it must occur once). */
function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.split(from)).toHaveLength(2);
  writeFileSync(file, text.replace(from, to));
}

const POLICY = 'production/verify-image-signatures.yaml';
const cli = (command: string, dir: string) => runCli(command, '--config', join(dir, 'environments.yaml'), '--outdir', join(dir, 'dist'));

describe('a hand edit of a generated file', () => {
  it('check and synth name it, each edited field with its value, what synth writes and the config field that sets it', () => {
    const dir = committedProject();
    const file = join(dir, 'dist', POLICY);
    const generated = readFileSync(file, 'utf8');
    edit(file, 'timeoutSeconds: 30', 'timeoutSeconds: 15');
    edit(file, 'failureAction: Enforce', 'failureAction: Audit');
    const fields = [
      '  spec.rules[0].verifyImages[0].failureAction: "Audit" here, synth writes "Enforce": ' +
        'set policies.verify-image-signatures.phase of environment "production" in the config instead',
      '  spec.webhookConfiguration.timeoutSeconds: 15 here, synth writes 30: set webhook.timeoutSeconds of environment "production" in the config instead',
    ];
    const heading = `edited by hand: ${join(dir, 'dist', POLICY)} (no change of the config since the last commit explains it);`;

    const check = cli('check', dir);
    expect(check.code).toBe(1);
    expect(check.err.split('\n')).toEqual(expect.arrayContaining([`${heading} synth would replace the edit:`, ...fields]));

    const synth = cli('synth', dir);
    expect(synth.code).toBe(0);
    const lines = synth.out.split('\n');
    expect(lines.slice(lines.indexOf(`changed: ${file}`), lines.indexOf(`changed: ${file}`) + 4)).toEqual([
      `changed: ${file}`,
      `${heading} synth replaced the edit:`,
      ...fields,
    ]);
    expect(readFileSync(file, 'utf8')).toBe(generated);
  });
});

describe('findHandEdits', () => {
  const generated = treeFor();
  const at = (tree: FileTree, source: CommittedOutput['source'] = 'git HEAD'): CommittedOutput => ({
    source,
    paths: [...tree.keys()],
    read: (paths) => new Map(paths.map((path) => [path, tree.get(path)!])),
  });
  const replaced = (tree: FileTree, path: string, from: string, to: string): FileTree => {
    expect(tree.get(path)).toContain(from);
    return new Map(tree).set(path, tree.get(path)!.replace(from, to));
  };
  const fieldsOf = (edits: HandEdit[]) =>
    edits.flatMap(({ file, fields }) => fields.map(({ path }) => `${file}: ${formatFieldPath(path)}`));

  it('tells a hand edit apart from a change of the config: only the fields the config does not explain are named', () => {
    // Committed before the config moved the timeout to 20; on disk, besides, the failure action was edited.
    const next = replaced(generated, POLICY, 'timeoutSeconds: 30', 'timeoutSeconds: 20');
    const onDisk = replaced(generated, POLICY, 'failureAction: Enforce', 'failureAction: Audit');
    expect(fieldsOf(findHandEdits([POLICY], onDisk, next, at(generated)))).toEqual([
      `${POLICY}: spec.rules[0].verifyImages[0].failureAction`,
    ]);
    // As committed, the file is only stale: the config explains every difference.
    expect(findHandEdits([POLICY], generated, next, at(generated))).toEqual([]);
  });

  it('names a file that no longer parses; without a commit to compare with, names nothing', () => {
    const broken = new Map(generated).set(POLICY, 'spec: [unclosed\n');
    expect(findHandEdits([POLICY], broken, generated, at(generated))).toEqual([{ file: POLICY, fields: [] }]);
    const edited = replaced(generated, POLICY, 'timeoutSeconds: 30', 'timeoutSeconds: 15');
    expect(fieldsOf(findHandEdits([POLICY], edited, generated, at(generated)))).toEqual([
      `${POLICY}: spec.webhookConfiguration.timeoutSeconds`,
    ]);
    expect(findHandEdits([POLICY], edited, generated, at(edited, 'disk'))).toEqual([]);
  });
});
