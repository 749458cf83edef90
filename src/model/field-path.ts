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
