import { basename } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENGINES, type WebhookRuleSet } from '../engines';
import { kindKey } from '../engines/engine';
import { UserError } from '../errors';
import { DRILL_OUTPUT_DIR, environmentOfPath, type FileTree, type Manifests } from '../model/layout';
import type { Environment } from '../model/environment';
import { formatFieldPath } from '../model/field-path';
import { formatFinding, record, type Finding, type Json, type ObjectRule, type RuleContext, type Violation } from './finding';
import { DELIVERY_LINT_RULES } from './delivery-lint';
import { WEBHOOK_RULES } from './kyverno-rules';
import { LINT_RULES } from './lint';
import { validateAgainstCrd, validatorKey } from './schema';

export { formatFinding, type Finding } from './finding';

/**
 * Kyverno's webhook rules, each set applied to every kind the engines naming it render: which objects go through
 * which set is a fact of the engines (ENGINES), stated once there.
 */
const WEBHOOK_OBJECT_RULES: readonly ObjectRule[] = (Object.keys(WEBHOOK_RULES) as WebhookRuleSet[]).flatMap((set) => {
  const engines = Object.values(ENGINES).filter((engine) => engine.webhookRules === set);
  const kinds = [...new Set(engines.flatMap((engine) => Object.values(engine.renders).map(kindKey)))];
  return WEBHOOK_RULES[set].map((rule) => ({ ...rule, kinds }));
});

/** Every rule besides the CRD schema, in report order. */
const OBJECT_RULES: readonly ObjectRule[] = [...WEBHOOK_OBJECT_RULES, ...LINT_RULES, ...DELIVERY_LINT_RULES];

/** All findings of a synthesized tree, and how many objects each top-level directory holds. */
export interface ValidationReport {
  /** The errors: synth writes nothing while there is one. */
  readonly findings: readonly Finding[];
  /** What synth reports without refusing: weakenings the config acknowledges. */
  readonly warnings: readonly Finding[];
  /** Objects validated, by the environment they belong to (its policies and its Flux objects). */
  readonly objectsValidated: ReadonlyMap<string, number>;
}

/** Thrown by synth when validation finds anything; the output directory is left as it was. Exit code 1. */
export class ValidationError extends UserError {
  constructor(readonly findings: readonly Finding[]) {
    super([...findings.map(formatFinding), `${findings.length} finding(s)`].join('\n'));
  }
}

/**
 * Validates every object synth would write, as the cluster will see it: the CRD schema, Kyverno's policy webhook
 * rules and the identity/scope lint. A file's objects are taken from `manifests` when the renderer recorded them
 * (parsing YAML back costs more than validating it), otherwise parsed from the file, so no file goes unchecked.
 * `kustomization.yaml` files are kustomize build input, never applied to the cluster: they are skipped. So is the
 * admission drill: a user applies it by hand (or feeds it to the Kyverno CLI), and its Deployments are core
 * objects typed by cdk8s-plus, for which no CRD schema is pinned.
 */
export function validateTree(tree: FileTree, environments: readonly Environment[], manifests: Manifests = new Map()): ValidationReport {
  const byName = new Map(environments.map((env) => [env.name, env]));
  const findings: Finding[] = [];
  const warnings: Finding[] = [];
  const objectsValidated = new Map<string, number>();
  for (const [path, text] of [...tree].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (basename(path) === 'kustomization.yaml' || path.startsWith(`${DRILL_OUTPUT_DIR}/`)) continue;
    const slash = path.indexOf('/');
    const env = slash < 0 ? '.' : path.slice(0, slash);
    const file = path.slice(slash + 1);
    const objects = (manifests.get(path) ?? parseAllDocuments(text).map((doc) => doc.toJS())).map(record);
    const owner = environmentOfPath(path);
    objectsValidated.set(owner, (objectsValidated.get(owner) ?? 0) + objects.length);
    objects.forEach((object, i) => {
      // In a file of several objects, paths start at the object's index.
      const root = objects.length > 1 ? [i] : [];
      for (const v of validateObject(object, { environment: byName.get(env) })) {
        const finding = { env, file, path: formatFieldPath([...root, ...v.path]), message: v.message, rule: v.rule };
        if (v.severity === 'warning') warnings.push({ ...finding, severity: 'warning' });
        else findings.push(finding);
      }
    });
  }
  return { findings, warnings, objectsValidated };
}

/** Every violation of one object: CRD schema first, then the rules for its kind. */
export function validateObject(object: Json, context: RuleContext = {}): Violation[] {
  const key = validatorKey(object);
  const rules = OBJECT_RULES.filter((rule) => rule.kinds.includes(key));
  return [...validateAgainstCrd(object), ...rules.flatMap((rule) => rule.check(object, context).map((v) => ({ ...v, rule: rule.id })))];
}
