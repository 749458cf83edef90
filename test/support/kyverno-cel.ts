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
  return (expression: string, context: { object?: unknown; images?: Record<string, string[]>; attestations?: Record<string, string> }) =>
    env.evaluate(expression, {
      time: new KyvernoTimeLibrary(),
      object: context.object ?? {},
      images: { containers: [], initContainers: [], ephemeralContainers: [], ...context.images },
      attestations: context.attestations ?? {},
      attestors: { signer: {} },
    }) as boolean;
}
