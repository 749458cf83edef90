import { Environment } from '@marcbachmann/cel-js';

/** Stands in for Kyverno's `time` CEL library object, so `time.now()` parses as it does in Kyverno. */
class KyvernoTimeLibrary {}

/** A verified in-toto statement per image, as `extractPayload(image, attestations.<name>)` returns it. */
export type Payloads = Readonly<Record<string, { predicate: unknown }>>;

/**
 * A CEL environment with the variables and functions Kyverno's policies.kyverno.io kinds provide, in test form:
 * every image verifies, `extractPayload` returns the given statement and `time.now()` the given instant. It
 * evaluates the expressions synth writes, so a wrong operator, escape or field path fails a test instead of a cluster.
 */
export function kyvernoCel(options: { payloads?: Payloads; now?: Date } = {}) {
  const env = new Environment({ enableOptionalTypes: true })
    .registerType('kyverno.TimeLibrary', { ctor: KyvernoTimeLibrary, fields: {} })
    .registerVariable('time', 'kyverno.TimeLibrary')
    .registerVariable('object', 'dyn')
    .registerVariable('images', 'map<string, list<string>>')
    .registerVariable('attestations', 'map<string, string>')
    .registerVariable('attestors', 'map<string, dyn>')
    .registerFunction({
      name: 'now',
      receiverType: 'kyverno.TimeLibrary',
      returnType: 'google.protobuf.Timestamp',
      params: [],
      handler: () => options.now ?? new Date(),
    })
    .registerFunction('verifyImageSignatures(string, list<dyn>): int', () => 1n)
    .registerFunction('verifyAttestationSignatures(string, string, list<dyn>): int', () => 1n)
    .registerFunction('extractPayload(string, string): dyn', (image: string) => {
      const payload = options.payloads?.[image];
      if (!payload) throw new Error(`no attestation payload for ${image}`);
      return payload;
    });
  // Parsed once per expression: tests evaluate one expression against many Pods.
  const programs = new Map<string, ReturnType<typeof env.parse>>();
  const program = (expression: string) => programs.get(expression) ?? programs.set(expression, env.parse(expression)).get(expression)!;
  return (expression: string, context: { object?: unknown; images?: Record<string, string[]>; attestations?: Record<string, string> }) =>
    program(expression)({
      time: new KyvernoTimeLibrary(),
      object: context.object ?? {},
      images: { containers: [], initContainers: [], ephemeralContainers: [], ...context.images },
      attestations: context.attestations ?? {},
      attestors: { signer: {} },
    }) as boolean;
}

/**
 * An ImageValidatingPolicy `matchImageReferences[].expression` as Kyverno v1.19.0 evaluates it on each image of a Pod:
 * a CEL program over the image as the Pod writes it, in the variable `ref` (pkg/cel/compiler/keys.go:9,
 * pkg/cel/compiler/image.go:21-37), which must be of type bool (compiler.go:186-190).
 */
export function kyvernoMatchImageExpression(expression: string): (image: string) => boolean {
  const program = new Environment().registerVariable('ref', 'string').parse(expression);
  const { valid, type } = program.check();
  if (!valid || type !== 'bool') throw new Error(`Kyverno refuses the matchImageReferences expression ${expression}`);
  return (image) => program({ ref: image }) as boolean;
}
