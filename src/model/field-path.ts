/** A path inside a JSON document: property names and array indexes, from the root. */
export type FieldPath = readonly (string | number)[];

/** `/spec/rules/0/name` (an ajv instancePath, a JSON Pointer) → `['spec', 'rules', 0, 'name']`. */
export function fromJsonPointer(pointer: string): FieldPath {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
}

/** How a message names a field path. */
export interface FieldPathStyle {
  /** The empty path: the whole document. */
  readonly root?: string;
  /** Bracket and quote keys that are not plain names (`metadata.annotations["policies.kyverno.io/title"]`). */
  readonly quoteKeys?: boolean;
}

/** A field of a file the user wrote (the config, exported policy reports): keys as written, the empty path `(top level)`. */
export const INPUT_FIELD: FieldPathStyle = { root: '(top level)', quoteKeys: false };

const PLAIN_NAME = /^[A-Za-z_$][\w$-]*$/;

/**
 * Renders a field path as Kubernetes does in its error messages: `spec.rules[0].verifyImages[0]`, indexes in
 * brackets and names joined by dots.
 */
export function formatFieldPath(path: FieldPath, { root = '(object)', quoteKeys = true }: FieldPathStyle = {}): string {
  if (path.length === 0) return root;
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (quoteKeys && !PLAIN_NAME.test(segment)) return `[${JSON.stringify(segment)}]`;
      return i === 0 ? segment : `.${segment}`;
    })
    .join('');
}
