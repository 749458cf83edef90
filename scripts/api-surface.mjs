// What changed in the TypeScript API that `cdk8s import` generates, between two versions of imports/: the
// list a maintainer works through after moving to new CRDs. The generated files have a fixed shape
// (`export interface X {` … `readonly name?: Type;` … `}`), so reading them line by line is exact enough;
// the `toJson_X` converters are left out, as every interface has one, and so are class members, which are
// the same in every generated class (GVK, manifest, constructor, toJson).

const EXPORT = /^export (?:abstract )?(class|interface|enum|type|const|function) (\w+)/;
const MEMBER = [
  /^ {2}readonly (\w+)(\??: .+);$/, // interface property: `?: type` or `: type`
  /^ {2}(\w+)( = .+),$/, // enum member: ` = "value"`
];

/**
 * The exported declarations of one generated file: name → { kind, members: name → declaration }, where a
 * property's declaration is `?: type` or `: type` and an enum member's ` = "value"`.
 */
export function apiSurface(source) {
  const surface = new Map();
  let current;
  for (const line of source.split('\n')) {
    const declaration = EXPORT.exec(line);
    if (declaration) {
      const [, kind, name] = declaration;
      current = name.startsWith('toJson_') ? undefined : { kind, members: new Map() };
      if (current) surface.set(name, current);
    } else if (line === '}') {
      current = undefined;
    } else if (current) {
      for (const pattern of MEMBER) {
        const member = pattern.exec(line);
        if (member) {
          current.members.set(member[1], member[2]);
          break;
        }
      }
    }
  }
  return surface;
}

/** Lines for two maps of name → description: removed names first (what can break src/), then changed, then added. */
function changeLines(before, after, describe) {
  const removed = [...before.keys()].filter((name) => !after.has(name)).map((name) => `- ${describe(name, before.get(name))}`);
  const changed = [...before.keys()]
    .filter((name) => after.has(name) && before.get(name) !== after.get(name))
    .map((name) => `~ ${describe(name, after.get(name))} (was ${describe(name, before.get(name))})`);
  const added = [...after.keys()].filter((name) => !before.has(name)).map((name) => `+ ${describe(name, after.get(name))}`);
  return [...removed, ...changed, ...added];
}

/**
 * The API changes between two sets of generated files (file name → source), as report lines grouped by
 * file: `+`/`-` for exports and members added or removed, `~` for a member whose type changed.
 * Empty when the exported API is the same.
 */
export function describeApiChanges(beforeFiles, afterFiles) {
  const lines = [];
  const names = [...new Set([...beforeFiles.keys(), ...afterFiles.keys()])].sort();
  for (const file of names) {
    if (!afterFiles.has(file)) {
      lines.push(`- ${file} (file removed)`);
      continue;
    }
    const before = apiSurface(beforeFiles.get(file) ?? '');
    const after = apiSurface(afterFiles.get(file));
    const kinds = (surface) => new Map([...surface].map(([name, { kind }]) => [name, kind]));
    const fileLines = changeLines(kinds(before), kinds(after), (name, kind) => `${kind} ${name}`);
    for (const [name, { members }] of after) {
      const previous = before.get(name);
      if (previous) fileLines.push(...changeLines(previous.members, members, (member, declaration) => `${name}.${member}${declaration}`));
    }
    if (fileLines.length > 0) lines.push(beforeFiles.has(file) ? file : `${file} (file added)`, ...fileLines.map((l) => `  ${l}`));
  }
  return lines;
}
