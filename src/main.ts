import { main } from './cli';

// The app entry point cdk8s runs (`app:` in cdk8s.yaml, or `tsx src/main.ts` as the cdk8s template does):
// synthesize into $CDK8S_OUTDIR (default dist/). `npm run synth` runs the same through a compiled bundle.
process.exitCode = main(['synth', ...process.argv.slice(2)]);
