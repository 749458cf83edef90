import { describe, expect, test } from 'vitest';
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { ACTION_PINS, FLUX_CLI_VERSION, type ActionPin } from '../../src/flux/action-pins';
import { synthesize } from '../../src/synthesize';
import { nonEmpty } from '../helpers';

const PINS: readonly ActionPin[] = nonEmpty(Object.values(ACTION_PINS), 'the action pins');
const FULL_SHA = /^[0-9a-f]{40}$/;

/** Why a recorded pin cannot be what `uses:` names: a short or malformed SHA, a placeholder, a tag object. */
function recordProblems(pin: ActionPin): string[] {
  const problems: string[] = [];
  if (!FULL_SHA.test(pin.commit)) problems.push(`${pin.action}: ${pin.commit} is not a full commit SHA`);
  if (/^(.)\1*$/.test(pin.commit)) problems.push(`${pin.action}: ${pin.commit} is a placeholder`);
  if (pin.tagObject !== undefined && pin.tagObject === pin.commit) problems.push(`${pin.action}: the tag object is not the commit`);
  if (!/^v\d+\.\d+\.\d+$/.test(pin.release)) problems.push(`${pin.action}: ${pin.release} names no release`);
  if (pin.readFrom.trim() === '') problems.push(`${pin.action}: where the commit was read is not recorded`);
  return problems;
}

/** Every `uses:` of a workflow with the comment after it (the release it claims). */
function usesOf(workflowText: string): { uses: string; comment: string | undefined }[] {
  const found: { uses: string; comment: string | undefined }[] = [];
  visit(parseDocument(workflowText), {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        found.push({ uses: String(pair.value.value), comment: pair.value.comment?.trim() });
      }
    },
  });
  return found;
}

/** Where a workflow and the record disagree: an action or commit not recorded, a release comment that is not the record's. */
function disagreements(workflowText: string, pins: readonly ActionPin[]): string[] {
  const steps = usesOf(workflowText);
  const problems = steps.flatMap(({ uses, comment }) => {
    const at = uses.lastIndexOf('@');
    const [action, ref] = [uses.slice(0, at), uses.slice(at + 1)];
    const pin = pins.find((p) => p.action === action);
    if (pin === undefined) return [`${uses}: the action is not in the record`];
    if (!FULL_SHA.test(ref)) return [`${uses}: not a full commit SHA`];
    if (ref !== pin.commit) return [`${uses}: the record pins ${pin.commit} (${pin.release})`];
    if (comment !== pin.release) return [`${uses}: says "${comment}", the record's release is ${pin.release}`];
    return [];
  });
  const unused = pins
    .filter((pin) => !steps.some(({ uses }) => uses.startsWith(`${pin.action}@`)))
    .map((pin) => `${pin.action}: recorded, not used`);
  return [...problems, ...unused];
}

describe('the action pins', () => {
  const [workflow] = nonEmpty(synthesize(loadConfig('test/fixtures/oci-delivery.yaml')).workflows.values(), 'the publishing workflows');

  test.each(PINS.map((pin) => [pin.action, pin]))('%s: the record names a release, its full commit SHA and where it was read', (_, pin) => {
    expect(recordProblems(pin)).toEqual([]);
  });

  test('the record refuses a short, all-zero or repeated-digit SHA and an annotated tag named instead of its commit', () => {
    const pin = ACTION_PINS.flux;
    expect(recordProblems({ ...pin, commit: pin.commit.slice(0, 7) })).toEqual([
      `${pin.action}: ${pin.commit.slice(0, 7)} is not a full commit SHA`,
    ]);
    expect(recordProblems({ ...pin, commit: '0'.repeat(40) })).toEqual([`${pin.action}: ${'0'.repeat(40)} is a placeholder`]);
    expect(recordProblems({ ...pin, commit: 'a'.repeat(40) })).toHaveLength(1);
    expect(recordProblems({ ...pin, commit: pin.tagObject })).toEqual([`${pin.action}: the tag object is not the commit`]);
  });

  test('every `uses:` of the publishing workflow is a recorded action at its recorded commit, with its release as the comment', () => {
    expect(usesOf(workflow).length).toBeGreaterThanOrEqual(PINS.length);
    expect(disagreements(workflow, PINS)).toEqual([]);
  });

  test('a workflow that disagrees with the record is caught: another commit, a short or zero SHA, another release, an unrecorded action', () => {
    const { cosignInstaller: cosign, checkout } = ACTION_PINS;
    const replaced = (from: string, to: string) => {
      expect(workflow).toContain(from);
      return workflow.replaceAll(from, to);
    };
    const withCommit = (commit: string) => replaced(`${cosign.action}@${cosign.commit}`, `${cosign.action}@${commit}`);
    // The commit the v3.7.0 pin once named, which no release of cosign-installer has.
    expect(disagreements(withCommit('d7d6e079ac29fd41e9a4c81c7a1b6e4e8b7fe1ec'), PINS)).toEqual([
      `${cosign.action}@d7d6e079ac29fd41e9a4c81c7a1b6e4e8b7fe1ec: the record pins ${cosign.commit} (${cosign.release})`,
    ]);
    expect(disagreements(withCommit(cosign.commit.slice(0, 12)), PINS)).toEqual([
      `${cosign.action}@${cosign.commit.slice(0, 12)}: not a full commit SHA`,
    ]);
    expect(disagreements(withCommit('0'.repeat(40)), PINS)).toHaveLength(1);
    // Both jobs check out the repository.
    expect(disagreements(replaced(`# ${checkout.release}`, '# v4.2.2'), PINS)).toEqual(
      Array(2).fill(`${checkout.action}@${checkout.commit}: says "v4.2.2", the record's release is ${checkout.release}`),
    );
    expect(disagreements(replaced(`${checkout.action}@`, 'actions/chekout@'), PINS)).toEqual([
      ...Array(2).fill(`actions/chekout@${checkout.commit}: the action is not in the record`),
      `${checkout.action}: recorded, not used`,
    ]);
  });

  test('the Flux action is the commit of the flux2 release whose CLI it installs', () => {
    expect(ACTION_PINS.flux.release).toBe(`v${FLUX_CLI_VERSION}`);
    const steps = parseDocument(workflow).toJS().jobs.publish.steps;
    const flux = steps.find((step: { uses?: string }) => step.uses?.startsWith(`${ACTION_PINS.flux.action}@`));
    expect(flux).toEqual({ uses: `${ACTION_PINS.flux.action}@${ACTION_PINS.flux.commit}`, with: { version: FLUX_CLI_VERSION } });
  });
});
