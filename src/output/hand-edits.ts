import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { configFieldsSetting } from '../model/config-sources';
import { formatFieldPath, type FieldPath } from '../model/field-path';
import { environmentOfPath, type FileTree } from '../model/layout';
import type { CommittedOutput } from './committed';

// A generated file that differs from what synth writes can be stale (the config or the generator changed since it
// was written) or edited by hand. With git, the committed file tells them apart, field by field: where the
// committed value is what synth writes now, no change since the commit explains a different value on disk.

/** One field of a generated file whose value only an edit of the file explains. */
export interface EditedField {
  readonly path: FieldPath;
  /** The value in the file (undefined: the field is missing). */
  readonly here: unknown;
  /** The value synth writes (undefined: synth writes no such field). */
  readonly synth: unknown;
  /** The config fields that set it, within the file's environment; empty when none alone does. */
  readonly config: readonly string[];
}

/** A generated file edited by hand: its path in the output directory and the edited fields (none if it no longer parses). */
export interface HandEdit {
  readonly file: string;
  readonly fields: readonly EditedField[];
}

/** Every path below which `a` and `b` differ, down to the first field present on one side only. */
export function differingFields(a: unknown, b: unknown, path: FieldPath = []): FieldPath[] {
  if (isDeepStrictEqual(a, b)) return [];
  const container = (value: unknown) => typeof value === 'object' && value !== null;
  if (!container(a) || !container(b) || Array.isArray(a) !== Array.isArray(b)) return [path];
  const left = a as Record<string | number, unknown>;
  const right = b as Record<string | number, unknown>;
  const keys = Array.isArray(a)
    ? Array.from({ length: Math.max(a.length, (b as unknown[]).length) }, (_, i) => i)
    : [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return keys.flatMap((key) => differingFields(left[key], right[key], [...path, key]));
}

function valueAt(value: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>(
    (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[key] : undefined),
    value,
  );
}

/** The documents of a YAML file as plain values; undefined when it does not parse. */
function documents(text: string): unknown[] | undefined {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return undefined;
  return docs.map((doc) => doc.toJS());
}

/**
 * The files among `changed` (paths in the output directory that differ between `current`, what it holds, and
 * `next`, what synth writes) that were edited by hand: those whose committed version at git HEAD differs from the
 * one on disk, with each field whose committed value is what synth writes but whose value on disk is not. Without
 * a commit to compare with (no git), nothing can be told apart and none is reported.
 */
export function findHandEdits(changed: readonly string[], current: FileTree, next: FileTree, committed: CommittedOutput): HandEdit[] {
  if (committed.source !== 'git HEAD') return [];
  const inCommit = new Set(committed.paths);
  const files = changed.filter((path) => path.endsWith('.yaml') && inCommit.has(path) && current.has(path) && next.has(path));
  const committedFiles = committed.read(files);
  return files.flatMap((file): HandEdit[] => {
    const [here, was, synth] = [current.get(file)!, committedFiles.get(file)!, next.get(file)!];
    if (here === was) return []; // as committed: stale, not edited
    const [hereDocs, wasDocs, synthDocs] = [documents(here), documents(was), documents(synth)];
    if (hereDocs === undefined) return [{ file, fields: [] }];
    if (wasDocs === undefined || synthDocs === undefined || hereDocs.length !== synthDocs.length) return [];
    const fields = hereDocs.flatMap((hereDoc, i) => {
      const root: FieldPath = hereDocs.length > 1 ? [i] : [];
      const object = synthDocs[i] as { kind?: string; metadata?: { name?: string } } | null;
      return differingFields(hereDoc, synthDocs[i])
        .filter((path) => isDeepStrictEqual(valueAt(wasDocs[i], path), valueAt(synthDocs[i], path)))
        .map((path) => ({
          path: [...root, ...path],
          here: valueAt(hereDoc, path),
          synth: valueAt(synthDocs[i], path),
          config: configFieldsSetting(object?.kind ?? '', path, object?.metadata?.name),
        }));
    });
    return fields.length > 0 ? [{ file, fields }] : [];
  });
}

/** How a message shows a value: scalars as YAML writes them, containers abridged, a missing field as such. */
function shown(value: unknown): string {
  if (value === undefined) return '(no such field)';
  if (Array.isArray(value)) return '[…]';
  if (typeof value === 'object' && value !== null) return '{…}';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const SHOWN_FIELDS = 5;

/**
 * Lines naming each hand-edited file and, per edited field, the value found, the value synth writes and the
 * config field to set instead. `replaced`: whether synth has just overwritten the edit (synth) or would (check).
 */
export function describeHandEdits(edits: readonly HandEdit[], outdir: string, replaced: boolean): string[] {
  const dir = outdir === '.' ? '' : `${outdir.replace(/\/+$/, '')}/`;
  const fate = replaced ? 'synth replaced the edit' : 'synth would replace the edit';
  return edits.flatMap(({ file, fields }) => {
    const at = `${dir}${file}`;
    if (fields.length === 0) return [`edited by hand: ${at} is no longer valid YAML; ${fate} with what the config sets.`];
    const environment = environmentOfPath(file);
    const lines = fields.slice(0, SHOWN_FIELDS).map(({ path, here, synth, config }) => {
      const set =
        config.length === 0
          ? 'no config field sets it: synth derives it'
          : `set ${config.join(' or ')} of environment "${environment}" in the config instead`;
      return `  ${formatFieldPath(path)}: ${shown(here)} here, synth writes ${shown(synth)}: ${set}`;
    });
    if (fields.length > SHOWN_FIELDS) lines.push(`  … and ${fields.length - SHOWN_FIELDS} more fields`);
    return [`edited by hand: ${at} (no change of the config since the last commit explains it); ${fate}:`, ...lines];
  });
}
