// The pinned CRDs, as `npm run import` and `npm run upgrade-crds` read them: crds/upstream.yaml says where each
// file comes from (component, version, upstream path, sha256), cdk8s.yaml which module each is imported as.
// Also the error boundary both scripts share: a failure the user can act on is one line, never a stack.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';

export const MANIFEST = 'crds/upstream.yaml';
export const CDK8S_CONFIG = 'cdk8s.yaml';

/** A failure the user can act on: printed as one `<script>: <message>` line, exit code 1. */
export class ScriptError extends Error {}

/** The exit codes of both scripts, as their `--help` lists them (the app's commands use the same ones). */
export const EXIT_CODES_HELP = `Exit codes:
  0   done (or nothing to change)
  1   a failure the message names (missing or edited pinned file, download, CRD, cdk8s); nothing was changed
  2   usage error: unknown option, missing or malformed argument
  70  internal error: a bug, printed with its stack`;

/** Runs a script's main function: prints its errors as messages, sets the exit code (see EXIT_CODES_HELP). */
export async function runScript(name, main) {
  try {
    await main();
  } catch (error) {
    if (error instanceof ScriptError) {
      console.error(`${name}: ${error.message}`);
      process.exitCode = 1;
    } else if (error?.code?.startsWith?.('ERR_PARSE_ARGS_')) {
      console.error(`${name}: ${error.message}; see --help`);
      process.exitCode = 2;
    } else {
      console.error(`${name}: internal error (a bug in supply-chain-guardrails; please report it with this output):`);
      console.error(error?.stack ?? String(error));
      process.exitCode = 70;
    }
  }
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where a pinned file lives in the repository: `crds/<component>-<version>/<file name>`. */
export function localPath(component, version, file) {
  return `crds/${component}-${version}/${basename(file)}`;
}

/** Where a pinned file comes from: the component's `source` at `version`, then the file's upstream path. */
export function upstreamUrl(source, version, file) {
  return `${source.replaceAll('{version}', version)}/${file}`;
}

/** Reads a YAML file of the project as a Document (comments kept, so it can be rewritten in place). */
function readDocument(root, file) {
  let text;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (error) {
    throw new ScriptError(`cannot read ${file}: ${error.code ?? error.message}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ScriptError(`${file}: ${doc.errors[0].message.split('\n')[0]}`);
  return doc;
}

/**
 * The pins: every component of crds/upstream.yaml with its files, each matched to its cdk8s.yaml import.
 * Both files must agree exactly, so every imported CRD has a known upstream and every pinned file is used.
 * Returns the parsed documents too, for rewriting them on an upgrade.
 */
export function readPins(root) {
  const manifest = readDocument(root, MANIFEST);
  const config = readDocument(root, CDK8S_CONFIG);
  const imports = (config.toJS()?.imports ?? []).map((spec) => {
    const [alias, path] = String(spec).split(':=');
    if (!path) throw new ScriptError(`${CDK8S_CONFIG}: import "${spec}" is not <alias>:=<file under crds/>`);
    return { alias, path };
  });
  const components = Object.entries(manifest.toJS() ?? {}).map(([component, pin]) => {
    if (typeof pin?.version !== 'string' || typeof pin.source !== 'string' || typeof pin.files !== 'object' || pin.files === null) {
      throw new ScriptError(`${MANIFEST}: ${component} needs version, source and files`);
    }
    const files = Object.entries(pin.files).map(([file, hash]) => {
      const path = localPath(component, pin.version, file);
      const imported = imports.find((i) => i.path === path);
      if (!imported)
        throw new ScriptError(`${MANIFEST} pins ${path}, but ${CDK8S_CONFIG} does not import it: add \`<alias>:=${path}\` to its imports`);
      return { file, sha256: hash, path, alias: imported.alias };
    });
    return { component, version: pin.version, source: pin.source, files };
  });
  for (const { path } of imports) {
    if (!components.some((c) => c.files.some((f) => f.path === path))) {
      throw new ScriptError(
        `${CDK8S_CONFIG} imports ${path}, which ${MANIFEST} does not pin: add its component and file there (docs/upgrading.md)`,
      );
    }
  }
  return { manifest, config, components };
}

/** The pinned files as stageImports takes them, each checked to be the bytes the manifest recorded. */
export function pinnedSources(root, components) {
  return components.flatMap(({ files }) =>
    files.map(({ alias, path, sha256: expected }) => {
      const file = join(root, path);
      if (!existsSync(file)) {
        throw new ScriptError(
          `${path} (imported as ${alias}) is missing: restore it with \`git checkout -- ${path}\`, or pin another version with \`npm run upgrade-crds\``,
        );
      }
      if (sha256(readFileSync(file)) !== expected) {
        throw new ScriptError(
          `${path} is not the file pinned in ${MANIFEST} (its sha256 differs): pinned CRDs are upstream's bytes, never edited; restore it with \`git checkout -- ${path}\``,
        );
      }
      return { alias, file, label: path };
    }),
  );
}

/** Throws a ScriptError naming `label` unless `text` holds at least one CRD that cdk8s import can generate code for. */
export function checkCrd(text, label) {
  let docs;
  try {
    docs = parseAllDocuments(text).map((doc) => {
      if (doc.errors.length > 0) throw doc.errors[0];
      return doc.toJS();
    });
  } catch (error) {
    throw new ScriptError(`${label} is not valid YAML: ${error.message.split('\n')[0]}`);
  }
  const crds = docs.filter((doc) => doc?.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new ScriptError(`${label} holds no CustomResourceDefinition`);
  for (const crd of crds) {
    if (!crd.spec?.versions?.[0]?.schema?.openAPIV3Schema) {
      throw new ScriptError(`${label}: CRD ${crd.metadata?.name ?? '(unnamed)'} has no spec.versions[0].schema.openAPIV3Schema`);
    }
  }
}

/** Writes through a temporary file and a rename, so the file is either the old or the new content. */
export function writeFileAtomically(file, content) {
  const staging = `${file}.tmp-${process.pid}`;
  writeFileSync(staging, content);
  renameSync(staging, file);
}
