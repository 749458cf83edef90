#!/usr/bin/env node
// Regenerates imports/ from the CRDs pinned in cdk8s.yaml.
//
//   npm run import                     # download the pinned upstream files
//   npm run import -- --crds <dir>     # read the same files from a local directory (offline)
//   CRD_DIR=<dir> npm run import       # same, through the environment
//
// A local directory is searched recursively for each pinned file's base name, so a tree laid out as
// `<component>-<version>/<file>.yaml` works as well as a flat one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { generateValidators } from './generate-validators.mjs';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { crds: { type: 'string' } } });
const localDir = values.crds ?? process.env.CRD_DIR;

/** Every file below `dir`, by base name. */
function indexDirectory(dir) {
  const byName = new Map();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) byName.set(entry.name, join(entry.parentPath, entry.name));
  }
  return byName;
}

async function fetchToFile(url, dir) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const file = join(dir, basename(new URL(url).pathname));
  writeFileSync(file, await response.text());
  return file;
}

const config = parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
const localFiles = localDir ? indexDirectory(resolve(localDir)) : undefined;
const downloads = mkdtempSync(join(tmpdir(), 'crds-'));
const outdir = join(root, 'imports');
const crdFiles = [];
try {
  rmSync(outdir, { recursive: true, force: true });
  for (const spec of config.imports) {
    const [alias, url] = spec.split(':=');
    let source;
    if (localFiles) {
      source = localFiles.get(basename(new URL(url).pathname));
      if (!source) throw new Error(`${basename(url)} (pinned as ${url}) is not under ${localDir}`);
    } else {
      source = await fetchToFile(url, downloads);
    }
    execFileSync(
      join(root, 'node_modules/.bin/cdk8s'),
      ['import', '--no-check-upgrade', '--no-save', '--language', 'typescript', '--output', outdir, `${alias}:=${source}`],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    crdFiles.push(source);
  }
  generateValidators(crdFiles, join(outdir, 'validators'));
} finally {
  rmSync(downloads, { recursive: true, force: true });
}
console.log(`imports/ regenerated from ${crdFiles.length} pinned CRDs${localDir ? ` (local copies in ${localDir})` : ''}`);
