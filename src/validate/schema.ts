import type { ErrorObject } from 'ajv';
import validators from '../../imports/validators';
import { fromJsonPointer, type FieldPath } from '../model/field-path';
import type { Violation } from './finding';

const SCHEMA_RULE = 'crd-schema';
const UNKNOWN_KIND_RULE = 'crd-unknown-kind';

/** The validator key the import step generates for an object: `<group>/<version>/<Kind>`. */
export function validatorKey(object: { apiVersion?: unknown; kind?: unknown }): string {
  return `${String(object.apiVersion)}/${String(object.kind)}`;
}

/**
 * Validates one object against its CRD's OpenAPI schema at the pinned version, with `kubeconform -strict`
 * semantics (the translation is in scripts/generate-validators.mjs). The validators are generated
 * standalone code, so nothing is compiled here.
 */
export function validateAgainstCrd(object: Record<string, unknown>): Violation[] {
  const validate = validators[validatorKey(object)];
  if (!validate) {
    // Synth must never write an object no pinned CRD describes: it could not be checked, and the cluster
    // would refuse it. Adding a kind means pinning its CRD in cdk8s.yaml and re-running the import.
    return [
      {
        path: ['kind'],
        rule: UNKNOWN_KIND_RULE,
        message: `no pinned CRD schema for ${validatorKey(object)}: pin its CRD in cdk8s.yaml and run \`npm run import\``,
      },
    ];
  }
  if (validate(object)) return [];
  return describeSchemaErrors(validate.errors ?? []);
}

/**
 * Turns ajv's errors into one violation per problem, worded like the API server's. When a value fails
 * every branch of an `anyOf`/`oneOf` (e.g. int-or-string), ajv also reports each branch: only the
 * combined error is kept.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[]): Violation[] {
  const combinators = new Set(errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath));
  const branchOfCombinator = (e: ErrorObject) => [...combinators].some((p) => e.schemaPath !== p && e.schemaPath.startsWith(`${p}/`));
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const e of errors) {
    if (branchOfCombinator(e)) continue;
    const violation = describeSchemaError(e);
    const key = `${violation.path.join('/')}\0${violation.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push(violation);
  }
  return violations;
}

function describeSchemaError(e: ErrorObject): Violation {
  const path = fromJsonPointer(e.instancePath);
  const at = (p: FieldPath, message: string): Violation => ({ path: p, message, rule: SCHEMA_RULE });
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return at([...path, String(params.additionalProperty)], `unknown field "${String(params.additionalProperty)}"`);
    case 'required':
      return at([...path, String(params.missingProperty)], 'Required value');
    case 'enum':
      return at(
        path,
        `Unsupported value: supported values: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    case 'type':
      return at(path, `Invalid value: must be of type ${String(params.type)}`);
    case 'anyOf':
    case 'oneOf':
      return at(path, `Invalid value: ${e.message ?? 'matches no allowed schema'}`);
    default:
      return at(path, `Invalid value: ${e.message ?? 'is invalid'}`);
  }
}
