import type { ErrorObject } from 'ajv';
import { fromJsonPointer } from '../model/field-path';
import { distinct, inFileOrder, type ConfigProblem, type ProblemAt } from './problems';

// The schema's errors in the config's words: ajv reports a JSON pointer and a keyword; a user reads the field,
// what it must be (or the schema's own `x-hint`), and the fields that are known where an unknown one was written.

/** Every error of the schema validation as a problem at its field, each once, in file order. */
export function schemaProblems(errors: readonly ErrorObject[], problemAt: ProblemAt): ConfigProblem[] {
  // A key refused by `propertyNames` comes with the error of the rule it broke, which says why: that one is reported.
  const reported = errors.filter((e) => e.keyword !== 'propertyNames');
  return inFileOrder(distinct(reported.map((e) => schemaProblem(e, problemAt))));
}

function schemaProblem(e: ErrorObject, problemAt: ProblemAt): ConfigProblem {
  const path = fromJsonPointer(e.instancePath);
  const hint = (e.parentSchema as { 'x-hint'?: string } | undefined)?.['x-hint'];
  if (e.propertyName !== undefined) return problemAt([...path, e.propertyName], `key "${e.propertyName}" ${hint ?? e.message}`, true);
  switch (e.keyword) {
    case 'required':
      return problemAt([...path, e.params.missingProperty], `missing required field "${e.params.missingProperty}"`);
    case 'additionalProperties': {
      const key = e.params.additionalProperty as string;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).join(', ');
      const message = hint === undefined ? `unknown field "${key}" (known fields: ${known})` : `"${key}" ${hint} (known: ${known})`;
      return problemAt([...path, key], message, true);
    }
    case 'enum':
      return problemAt(
        path,
        `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(e.data)})`,
      );
    case 'maxLength':
      return problemAt(path, `is ${String(e.data).length} characters long, more than the ${e.params.limit} allowed`);
    case 'type':
      return problemAt(
        path,
        `must be ${e.params.type === 'array' ? 'a list' : `of type ${e.params.type}`} (got ${JSON.stringify(e.data)})`,
      );
    default:
      return problemAt(path, hint ?? e.message ?? 'is invalid');
  }
}
