#!/usr/bin/env node
// Regenerates imports/ from the pinned CRDs in crds/, offline. See `--help` and docs/upgrading.md.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_CODES_HELP, MANIFEST, pinnedSources, readPins, runScript } from './crd-pins.mjs';
import { reportImport, stageImports } from './stage-imports.mjs';

const HELP = `Usage: npm run import [-- --help]

Regenerates imports/ (the cdk8s constructs and the schema validators) from the CRDs that cdk8s.yaml
imports, which live in crds/ and are checked against the sha256 recorded in ${MANIFEST}. Needs no network.
The new imports/ is built beside the current one and swapped in only when every step succeeded: on any
failure imports/ is left exactly as it was. Prints what changed in the generated API.

To move to another Kyverno or Flux version: npm run upgrade-crds -- --help

${EXIT_CODES_HELP}`;

const root = resolve(import.meta.dirname, '..');

await runScript('import', () => {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(HELP);
  const sources = pinnedSources(root, readPins(root).components);
  const staged = stageImports(root, sources);
  staged.commit();
  reportImport(staged, sources.length);
});
