import Ajv, { type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import schema from '../../environments.schema.json';

/**
 * The ajv instance the config schema is compiled with. Compiling costs more than the rest of a synth, so the
 * bundle `scripts/run.mjs` builds replaces this module with {@link standaloneValidatorModule}'s output:
 * the same validator, compiled once at build time from this same function.
 */
function createSchemaAjv(emitSource = false): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, code: { source: emitSource } });
  ajv.addVocabulary(['x-hint']);
  return ajv;
}

/** Validates a parsed config against `environments.schema.json` (errors carry `parentSchema`: `verbose`). */
export const validateConfigSchema: ValidateFunction = createSchemaAjv().compile(schema);

/** CommonJS source of a module exporting `validateConfigSchema` precompiled (ajv standalone code). */
export function standaloneValidatorModule(): string {
  const ajv = createSchemaAjv(true);
  ajv.addSchema(schema);
  return standaloneCode(ajv, { validateConfigSchema: schema.$id });
}
