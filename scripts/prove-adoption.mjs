#!/usr/bin/env node
// Proves a user can adopt the project by replacing environments.yaml with their own environments:
// in a fresh copy of the project (tracked files as they are in the working tree, without dist/, node_modules
// linked), it writes an own `dev`/`prod` config, runs `synth`, `lock --accept`, then `npm test` (tsc and the
// whole vitest suite) and the drift gate `check`. Exits non-zero when any step fails.
//
//   node scripts/prove-adoption.mjs
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

const OWN_CONFIG = `environments:
  - name: dev
    imagePatterns: [registry.example.com/shop/*]
    signer: { issuer: https://gitlab.example.com, subject: https://gitlab.example.com/shop/* }
    policies:
      verify-image-signatures: { phase: audit }
      restrict-image-registries: { phase: audit }
  - name: prod
    imagePatterns: [registry.example.com/shop/*]
    signer: { issuer: https://gitlab.example.com, subject: https://gitlab.example.com/shop/* }
    policies:
      verify-image-signatures: { phase: enforce }
      require-sbom-attestation: { phase: enforce }
      restrict-image-registries: { phase: enforce }
`;

function run(cwd, command, args, options = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const { status, error } = spawnSync(command, args, { cwd, stdio: 'inherit', ...options });
  if (error) console.error(error.message);
  return status === 0;
}

/** The tracked files of the project, as they are in the working tree (deleted ones skipped). */
function trackedFiles() {
  const { stdout, status } = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  if (status !== 0) throw new Error('prove-adoption needs a git checkout of the project');
  return stdout.split('\0').filter((file) => file && !file.startsWith('dist/') && existsSync(join(root, file)));
}

const copy = mkdtempSync(join(tmpdir(), 'prove-adoption-'));
let ok = false;
try {
  for (const file of trackedFiles()) cpSync(join(root, file), join(copy, file), { recursive: true });
  // The compiled bundle's inputs are the same files, so the copy reuses it instead of rebuilding.
  if (existsSync(join(root, '.build', 'main.cjs'))) cpSync(join(root, '.build'), join(copy, '.build'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  writeFileSync(join(copy, 'environments.yaml'), OWN_CONFIG);

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  ok =
    run(copy, process.execPath, ['scripts/run.mjs', 'synth']) &&
    run(copy, process.execPath, ['scripts/run.mjs', 'lock', '--accept']) &&
    run(copy, npm, ['test']) &&
    run(copy, process.execPath, ['scripts/run.mjs', 'check']);
} finally {
  rmSync(copy, { recursive: true, force: true });
}
console.log(ok ? 'adoption proven: own dev/prod config passes synth, lock, npm test and check' : 'adoption FAILED (see above)');
process.exitCode = ok ? 0 : 1;
