import { FLUX_CONTENT_MEDIA_TYPE, WORKFLOW_IDENTITY_SYNTAX, parseWorkflowIdentity } from '../model/delivery';
import { issuerBreadth, literalPrefix, subjectBreadth } from '../model/identity';
import type { FieldPath } from '../model/field-path';
import { list, record, type ObjectRule } from './finding';

/** A finding of a rule, before the rule's id is attached. */
type Problem = { path: FieldPath; message: string };

// Lint of the OCIRepository that delivers policies: it must verify, and only the one publishing workflow run.
// The same breadth predicates as the policies' identity lint (src/validate/lint.ts), read as regular expressions,
// then the publishing-specific one: the subject is exactly one repository's one workflow on one branch.

export const OCI_REPOSITORY = 'source.toolkit.fluxcd.io/v1/OCIRepository';

function identityViolations(identity: Record<string, unknown>, index: number): Problem[] {
  const path = ['spec', 'verify', 'matchOIDCIdentity', index];
  const violations: Problem[] = [];
  for (const part of ['issuer', 'subject'] as const) {
    const value = identity[part];
    if (typeof value !== 'string') {
      violations.push({
        path: [...path, part],
        message: `no ${part}: an artifact signed by any ${part === 'subject' ? 'identity' : 'OIDC issuer'} would be accepted`,
      });
      continue;
    }
    const breadth = part === 'issuer' ? issuerBreadth(value, true) : subjectBreadth(value, true);
    const { prefix, exact } = literalPrefix(value, true);
    if (breadth) violations.push({ path: [...path, part], message: `${part} ${JSON.stringify(value)} ${breadth}` });
    else if (!exact)
      violations.push({
        path: [...path, part],
        message: `${part} ${JSON.stringify(value)} is not one anchored, escaped value: it matches more than the publishing workflow`,
      });
    else if (part === 'subject' && !parseWorkflowIdentity(prefix)) {
      violations.push({
        path: [...path, part],
        message: `subject ${JSON.stringify(value)} does not pin one repository, workflow and branch (${WORKFLOW_IDENTITY_SYNTAX})`,
      });
    }
  }
  return violations;
}

export const DELIVERY_LINT_RULES: readonly ObjectRule[] = [
  {
    id: 'lint/oci-publisher-identity',
    kinds: [OCI_REPOSITORY],
    source:
      'An OCIRepository that does not verify, or verifies against a broad identity, lets anyone who can push to the ' +
      'registry (or run any workflow of the owner) decide what the cluster enforces.',
    check(object) {
      const spec = record(object.spec);
      const verify = record(spec.verify);
      const identities = list(verify.matchOIDCIdentity);
      const violations: Problem[] = [];
      if (verify.provider !== 'cosign')
        violations.push({
          path: ['spec', 'verify', 'provider'],
          message: 'must be cosign: the artifact is signed keyless by the publishing workflow',
        });
      if (identities.length === 0)
        violations.push({
          path: ['spec', 'verify', 'matchOIDCIdentity'],
          message: 'is empty: a keyless signature of any identity would be accepted',
        });
      identities.forEach((identity, i) => violations.push(...identityViolations(record(identity), i)));
      if (record(spec.layerSelector).mediaType !== FLUX_CONTENT_MEDIA_TYPE) {
        violations.push({
          path: ['spec', 'layerSelector', 'mediaType'],
          message: `must be ${FLUX_CONTENT_MEDIA_TYPE}: the layer flux push artifact writes`,
        });
      }
      return violations;
    },
  },
];
