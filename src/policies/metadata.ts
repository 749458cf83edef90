import type { ApiObjectMetadata } from 'cdk8s';
import type { PolicyDefinition, PolicyDescription } from './definition';

/** The metadata every engine gives a policy object: its name, the description annotations and the labels. */
export function policyMetadata(definition: PolicyDefinition): ApiObjectMetadata {
  return { name: definition.name, annotations: descriptionAnnotations(definition.description), labels: { ...definition.labels } };
}

/** The `policies.kyverno.io/*` annotations both engines put on a policy. */
function descriptionAnnotations(d: PolicyDescription): Record<string, string> {
  return {
    'policies.kyverno.io/title': d.title,
    'policies.kyverno.io/category': d.category,
    'policies.kyverno.io/severity': d.severity,
    'policies.kyverno.io/subject': 'Pod',
    'policies.kyverno.io/minversion': '1.19.0',
    'policies.kyverno.io/description': d.description,
  };
}
