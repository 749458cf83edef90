#!/usr/bin/env node
// Moves pinned CRDs to a new upstream version: download, re-import, report. See `--help` and docs/upgrading.md.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CDK8S_CONFIG,
  EXIT_CODES_HELP,
  MANIFEST,
  ScriptError,
  checkCrd,
  localPath,
  pinnedSources,
  readPins,
  runScript,
  sha256,
  upstreamUrl,
  writeFileAtomically,
} from './crd-pins.mjs';
import { reportImport, stageImports } from './stage-imports.mjs';

const root = resolve(import.meta.dirname, '..');
/** A release tag as it appears in a URL path: no slashes, no `..`. */
const TAG = /^v?\d+(\.\d+)*([-+][\w.-]+)?$/;
const DOWNLOAD_TIMEOUT_MS = 60_000;

function help(components) {
  const flags = components.map(({ component, version }) => `  --${component} <tag>`.padEnd(34) + `pinned now: ${version}`);
  return `Usage: npm run upgrade-crds -- --<component> <tag> [--<component> <tag> ...] [--mirror <url>]

Downloads every CRD file of each named component at the new tag from its upstream source (${MANIFEST}),
re-imports imports/, and only when everything succeeded writes crds/<component>-<tag>/, updates
${MANIFEST} and ${CDK8S_CONFIG}, removes the superseded pinned files and reports what changed in the
generated API. Any failure (no network, unknown tag, a file that is not a CRD) changes nothing.

Components:
${flags.join('\n')}
  --mirror <url>                  download from this base URL instead, with the upstream URLs' paths
                                  (a mirror of raw.githubusercontent.com, for example)
  -h, --help                      this text

Then run \`npm test\` and \`npm run synth\`, review the diff and commit crds/, ${MANIFEST}, ${CDK8S_CONFIG},
imports/ (and dist/ if synth changed it). docs/upgrading.md has the whole procedure.

${EXIT_CODES_HELP}`;
}

/** The URL to download a pinned file from: upstream, or the same path under `mirror`. */
function downloadUrl(url, mirror) {
  return mirror ? `${mirror.replace(/\/+$/, '')}${new URL(url).pathname}` : url;
}

async function download(url, { component, tag, file }) {
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    const reason = error.cause?.code ?? error.cause?.message ?? error.name;
    throw new ScriptError(`cannot download ${url} (${reason}): check the network connection, or use --mirror; nothing was changed`);
  }
  if (!response.ok) {
    throw new ScriptError(
      `cannot download ${url}: HTTP ${response.status}; is ${tag} a release of ${component}, and does it still ship ${file}? nothing was changed`,
    );
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  try {
    checkCrd(bytes.toString('utf8'), `${url}`);
  } catch (error) {
    throw new ScriptError(`${error.message}; nothing was changed`);
  }
  return bytes;
}

/** Removes the files a component pinned before, and their directory once empty (nothing else in it is touched). */
function removeSuperseded(files) {
  for (const { path } of files) rmSync(join(root, path), { force: true });
  const directory = join(root, dirname(files[0].path));
  if (readdirSync(directory).length === 0) rmdirSync(directory);
}

await runScript('upgrade-crds', async () => {
  const pins = readPins(root);
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      mirror: { type: 'string' },
      ...Object.fromEntries(pins.components.map(({ component }) => [component, { type: 'string' }])),
    },
  });
  if (values.help) return console.log(help(pins.components));
  if (values.mirror !== undefined && !URL.canParse(values.mirror)) throw new ScriptError(`--mirror ${values.mirror} is not a URL`);

  const upgrades = [];
  for (const pin of pins.components) {
    const tag = values[pin.component];
    if (tag === undefined) continue;
    if (!TAG.test(tag)) throw new ScriptError(`--${pin.component} ${tag} is not a release tag such as ${pin.version}`);
    const directory = `crds/${pin.component}-${tag}`;
    if (tag === pin.version) console.log(`${pin.component} is already pinned at ${tag}`);
    else if (existsSync(join(root, directory))) throw new ScriptError(`${directory}/ already exists: remove it, then run this again`);
    else upgrades.push({ ...pin, tag });
  }
  if (upgrades.length === 0) {
    if (pins.components.some(({ component }) => values[component] !== undefined)) return;
    throw new ScriptError(`name a component and its new tag, e.g. --${pins.components[0].component} <tag>; see --help`);
  }

  // Everything is downloaded and imported before anything in the repository is written.
  const current = pinnedSources(root, pins.components);
  const downloads = mkdtempSync(join(tmpdir(), 'upgrade-crds-'));
  try {
    for (const upgrade of upgrades) {
      upgrade.downloads = [];
      for (const pinned of upgrade.files) {
        const url = downloadUrl(upstreamUrl(upgrade.source, upgrade.tag, pinned.file), values.mirror);
        console.log(`downloading ${url}`);
        const bytes = await download(url, { component: upgrade.component, tag: upgrade.tag, file: pinned.file });
        const file = join(downloads, upgrade.component, basename(pinned.file));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, bytes);
        upgrade.downloads.push({ pinned, bytes, file, url, path: localPath(upgrade.component, upgrade.tag, pinned.file) });
      }
    }
    const replaced = new Map(upgrades.flatMap(({ downloads: d }) => d.map((f) => [f.pinned.path, f])));
    const sources = current.map((source) => {
      const upgraded = replaced.get(source.label);
      return upgraded ? { alias: source.alias, file: upgraded.file, label: upgraded.url } : source;
    });
    const staged = stageImports(root, sources);

    try {
      for (const { downloads: files } of upgrades) {
        for (const { path, bytes } of files) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), bytes, { flag: 'wx' }); // never overwrites: the directory was new
        }
      }
    } catch (error) {
      staged.discard();
      throw new ScriptError(`cannot write the new CRDs (${error.code ?? error.message}): ${error.path ?? ''}; nothing else was changed`);
    }
    for (const { component, tag, downloads: files } of upgrades) {
      pins.manifest.setIn([component, 'version'], tag);
      for (const { pinned, bytes } of files) pins.manifest.setIn([component, 'files', pinned.file], sha256(bytes));
    }
    pins.config.get('imports').items.forEach((item, index) => {
      const [alias, path] = String(item.value).split(':=');
      const upgraded = replaced.get(path);
      if (upgraded) pins.config.setIn(['imports', index], `${alias}:=${upgraded.path}`);
    });
    writeFileAtomically(join(root, MANIFEST), pins.manifest.toString());
    writeFileAtomically(join(root, CDK8S_CONFIG), pins.config.toString());
    staged.commit();
    for (const upgrade of upgrades) {
      removeSuperseded(upgrade.files);
      const changed = upgrade.downloads.filter(({ pinned, bytes }) => sha256(bytes) !== pinned.sha256).length;
      console.log(
        `${upgrade.component} ${upgrade.version} → ${upgrade.tag}: ${upgrade.files.length} CRDs in crds/${upgrade.component}-${upgrade.tag}/, ` +
          `${changed} of them changed upstream`,
      );
    }
    reportImport(staged, sources.length);
    console.log(`Next: npm test && npm run synth, review the diff, commit crds/, ${CDK8S_CONFIG}, imports/ (and dist/ if it changed).`);
  } finally {
    rmSync(downloads, { recursive: true, force: true });
  }
});
