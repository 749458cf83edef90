import { LineCounter, isCollection, isMap, isScalar, parseDocument, visit, type Document, type Node } from 'yaml';
import type { FieldPath } from '../model/field-path';
import { MAX_ALIAS_COUNT, firstAliasOffset } from './read';

// The config's YAML, parsed once with the position of every node: whatever a later stage finds (the schema, a
// cross-field check) is reported at the line and column of the field it is about, not at the file.

/** A place in the config's text: line and column, both counted from 1. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** What keeps the text from being one YAML document, and where. */
export interface YamlProblem extends Position {
  readonly message: string;
}

/** The config's YAML document: its nodes, its content as data, and where each node stands in the text. */
export interface ConfigDocument {
  /** The parsed document, for the checks that walk its nodes. */
  readonly yaml: Document;
  /** Its content as plain data, aliases resolved. */
  readonly data: unknown;
  /** The position of an offset into the text. */
  positionAt(offset: number): Position;
  /**
   * The position of the node at `path`, or with `atKey` of its key (for a field that should not be there); a path
   * that does not exist is placed at its nearest ancestor that does.
   */
  positionOf(path: FieldPath, atKey?: boolean): Position;
}

/**
 * Parses the config's text as one YAML document (duplicate keys refused), or returns every problem that keeps it
 * from being one: a syntax error, or more aliases than {@link MAX_ALIAS_COUNT} resolved.
 */
export function parseConfigDocument(text: string): ConfigDocument | { readonly problems: readonly YamlProblem[] } {
  const lineCounter = new LineCounter();
  const yaml = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const positionAt = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntaxProblems = [...yaml.errors, ...yaml.warnings].map((e) => ({
    ...positionAt(e.pos[0]),
    message: yamlMessage(e.code, e.message),
  }));
  if (syntaxProblems.length > 0) return { problems: syntaxProblems };
  // A list or map used as a key (`? [a, b]`) has no name a field could have; turned into data it becomes "[ a, b ]".
  const collectionKeys: YamlProblem[] = [];
  visit(yaml, {
    Pair(_key, pair) {
      if (isCollection(pair.key))
        collectionKeys.push({ ...positionAt(pair.key.range?.[0] ?? 0), message: 'has a list or map as a key: keys are field names' });
    },
  });
  if (collectionKeys.length > 0) return { problems: collectionKeys };
  let data: unknown;
  try {
    data = yaml.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // yaml throws only on resolving too many aliases here: an alias bomb, or anchors overused.
    const message = `resolves more than ${MAX_ALIAS_COUNT} aliases (*name): write the values out`;
    return { problems: [{ ...positionAt(firstAliasOffset(yaml)), message }] };
  }
  return { yaml, data, positionAt, positionOf: (path, atKey = false) => positionAt(offsetOf(yaml, path, atKey)) };
}

/** A parser's message in the config's words: its first line, without advice about the parser's own API. */
function yamlMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'holds more than one YAML document (a "---" line between them): keep one';
  return message.split('\n')[0];
}

/** Offset of the node at `path` (or of its key), falling back to the nearest existing ancestor. */
function offsetOf(doc: Document, path: FieldPath, atKey: boolean): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (atKey && depth === path.length && depth > 0) {
      const parent = doc.getIn(prefix.slice(0, -1), true) as Node | undefined;
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[depth - 1]) : undefined;
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return keyNode.range[0];
      continue;
    }
    const node = (depth === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
    if (node?.range) return node.range[0];
  }
  return 0;
}
