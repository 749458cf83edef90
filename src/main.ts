import { main } from './cli';

// Synth from the TypeScript sources, without the bundle: `npx tsx src/main.ts [--outdir <dir>]` writes what
// `npm run synth` writes (default $CDK8S_OUTDIR, else dist/). It is how the cdk8s project template runs an
// app, and `npm run bench` times it as the `cdk8s synth` case. cdk8s.yaml's `app:` runs scripts/run.mjs.
process.exitCode = main(['synth', ...process.argv.slice(2)]);
