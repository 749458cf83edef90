import type { Construct } from 'constructs';
import {
  ImageValidatingPolicy,
  ImageValidatingPolicySpecFailurePolicy as failurePolicy,
  ImageValidatingPolicySpecValidationActions as validationActions,
  type ImageValidatingPolicySpecAttestorsCosign as Cosign,
  type ImageValidatingPolicySpecAttestorsCosignKeylessIdentities as KeylessIdentity,
  type ImageValidatingPolicySpecValidations as Validation,
} from '../../../imports/ivpol-policies.kyverno.io';
import { goDuration } from '../../model/duration';
import { globToRegExp, isGlob } from '../../model/glob';
import { imageGlobSpellings, spellingRegExp } from '../../model/image-spellings';
import type { Signer } from '../../model/environment';
import { rootsPem, type TrustRoot } from '../../model/trust-root';
import type { ImageVerification } from '../../policies/definition';
import { policyMetadata } from '../../policies/metadata';
import { describeCondition, fieldPath, type PredicateCondition } from '../../policies/predicate';
import { CONTAINER_LISTS, celMatchesAnyGlob, celString, type ContainerList } from '../cel';
import type { PolicyEngine, RenderedKind } from '../engine';
import { POLICIES_KYVERNO_IO_READY, admissionSpec } from './pod';
import { VALIDATING_POLICY, renderRegistryRestriction } from './registry-restriction';

/** The image verifications' kind in this engine. */
const IMAGE_VALIDATING_POLICY: RenderedKind = {
  ...ImageValidatingPolicy.GVK,
  ready: POLICIES_KYVERNO_IO_READY,
  reportSources: ['KyvernoImageValidatingPolicy'],
  testSelector: () => ({ isImageValidatingPolicy: true }),
};

/** Key of the one attestor each policy declares; a CEL identifier, so validations can say `attestors.signer`. */
const ATTESTOR = 'signer';

/**
 * The `policies.kyverno.io/v1` ImageValidatingPolicy engine, semantically equivalent to the ClusterPolicy one:
 * - it matches `pods` on CREATE and UPDATE with exactly one resource rule, no `excludeResourceRules` and no
 *   `objectSelector`, so Kyverno's autogen extends it to Pod controllers as ClusterPolicy's does; namespace
 *   scope and exclusions go through `namespaceSelector` instead;
 * - an identity `subject` is matched exactly here, so the ClusterPolicy subject glob becomes `subjectRegExp`
 *   (and an issuer glob `issuerRegExp`);
 * - audit reports without blocking or touching digests, enforce denies and pins digests, as ClusterPolicy does;
 * - one CEL validation per container list, so every image of the Pod is checked, init and ephemeral included
 *   (ephemeral containers only on UPDATE: the API server refuses them on create).
 *   Kyverno reads a missing list as `[]` and filters each list down to the images matching `matchImageReferences`;
 * - each attestation condition is one more validation per container list, over the verified attestation's
 *   in-toto statement (`extractPayload(…).predicate`). Kyverno evaluates validations in order and stops at the
 *   first that fails, so a condition is only read for images whose attestation verified.
 * The registry restriction is rendered as a ValidatingPolicy (see ./registry-restriction.ts).
 */
export const imageValidatingPolicyEngine = {
  kind: 'ImageValidatingPolicy',
  renders: { imageVerification: IMAGE_VALIDATING_POLICY, registryRestriction: VALIDATING_POLICY },
  renderImageVerification(scope: Construct, check: ImageVerification): ImageValidatingPolicy {
    const enforce = check.phase === 'enforce';
    return new ImageValidatingPolicy(scope, 'Resource', {
      metadata: policyMetadata(check),
      spec: {
        ...admissionSpec({ failurePolicy, validationActions }, check, false),
        matchImageReferences: matchImageReferences(check.imagePatterns),
        // Kyverno defaults all three to true; spelled out so each phase reads the same in every policy.
        validationConfigurations: { mutateDigest: enforce, verifyDigest: enforce, required: true },
        attestors: [{ name: ATTESTOR, cosign: cosignAttestor(check.signer) }],
        attestations: check.attestation && [{ name: check.attestation.name, intoto: { type: check.attestation.predicateType } }],
        validations: [
          ...CONTAINER_LISTS.map((list) => verification(check, list)),
          ...(check.attestation?.conditions ?? []).flatMap((condition) =>
            CONTAINER_LISTS.map((list) => conditionValidation(check.attestation!.name, condition, list)),
          ),
        ],
      },
    });
  },
  renderRegistryRestriction,
  webhookRules: 'policies.kyverno.io/v1',
} satisfies PolicyEngine;

/**
 * The keyless attestor of a signer and its trust root, as Kyverno v1.19.0 reads it
 * (pkg/image/verifiers/ivpol/cosign/opts.go checkOptions):
 * - public: `ctlog.url`, the Rekor log; roots and keys come from the public TUF repository;
 * - private: the roots and keys in their own fields (`keyless.roots`, `ctlog.{url,rekorPubKey,ctLogPubKey,tsaCertChain}`)
 *   and, above all, the instance's Sigstore trusted root in `trustedRoot`: for keyless signatures the engine always
 *   sets cosign's TrustedMaterial (from `trustedRoot`, else from the TUF repository), and cosign then verifies the
 *   signing certificate, the log entry and the SCT against it, not against `roots` and the log keys (in cosign
 *   v3.1.2, the library Kyverno v1.19.0 is built with: pkg/cosign/verify.go ValidateAndUnpackCertWithIntermediates,
 *   VerifyBundle). A TUF repository is named in `tuf`.
 *   A trust root that ignores the log or SCTs sets `insecureIgnoreTlog` or `insecureIgnoreSCT` (no URL is needed then).
 */
function cosignAttestor(signer: Signer): Cosign {
  const trustRoot: TrustRoot = signer.trustRoot;
  const identities = [keylessIdentity(signer)];
  if (trustRoot.kind === 'public') return { keyless: { identities }, ctlog: { url: trustRoot.rekorUrl } };
  const { material, source } = trustRoot;
  const ctlog = {
    ...(material?.rekor ? { url: material.rekor.url, rekorPubKey: material.rekor.publicKey.pem } : {}),
    ...(material?.ctlog ? { ctLogPubKey: material.ctlog.publicKey.pem } : {}),
    ...(material?.tsa ? { tsaCertChain: material.tsa.certificateChain.pem } : {}),
    ...(trustRoot.insecureIgnoreTlog === undefined ? {} : { insecureIgnoreTlog: true }),
    ...(trustRoot.insecureIgnoreSCT === undefined ? {} : { insecureIgnoreSct: true }),
  };
  return {
    keyless: { identities, ...(material ? { roots: rootsPem(material) } : {}) },
    ...(Object.keys(ctlog).length > 0 ? { ctlog } : {}),
    ...(trustRoot.trustedRoot === undefined ? {} : { trustedRoot: { value: trustRoot.trustedRoot } }),
    ...(source.form === 'tuf' ? { tuf: { mirror: source.mirror, root: { data: source.rootBase64 } } } : {}),
  };
}

/**
 * Every spelling a Pod may write of the images the patterns name (src/model/image-spellings.ts), as this engine matches
 * it: the image as the Pod writes it. A `glob` is compiled by github.com/gobwas/glob v0.2.3 without separators
 * (Kyverno v1.19.0 pkg/cel/compiler/compiler.go:174-199), where `*` matches any run of characters as in the config's
 * globs, but `?`, `[…]`, `{…,…}` and `\` are syntax too (syntax/lexer/lexer.go:10-31): an IPv6 registry host
 * (`[fd00::1]:5000/…`) would read as a character class, so each of them is escaped with `\` (glob.go:63-80 QuoteMeta).
 * A spelling whose `*` stops at `/` has no glob form: it is a CEL `expression` over the reference, named `ref`
 * (pkg/cel/compiler/keys.go:9, image.go:25-37).
 */
function matchImageReferences(patterns: readonly string[]): ({ glob: string } | { expression: string })[] {
  const references = patterns
    .flatMap(imageGlobSpellings)
    .map((spelling) =>
      spelling.withinSegment && spelling.glob.includes('*')
        ? { expression: `ref.matches(${celString(spellingRegExp(spelling))})` }
        : { glob: spelling.glob.replace(/[?\\[\]{}]/g, '\\$&') },
    );
  return [...new Map(references.map((reference) => [JSON.stringify(reference), reference])).values()];
}

/** ClusterPolicy matches issuer and subject as globs; here both match exactly unless given as regexps. */
function keylessIdentity(signer: Signer): KeylessIdentity {
  const issuer = isGlob(signer.issuer) ? { issuerRegExp: globToRegExp(signer.issuer) } : { issuer: signer.issuer };
  return { ...issuer, subjectRegExp: globToRegExp(signer.subject) };
}

/** The validation that every image in one container list passes the check, with a message naming list and signer. */
function verification(check: ImageVerification, list: ContainerList): Validation {
  const verified = check.attestation
    ? `verifyAttestationSignatures(image, attestations.${check.attestation.name}, [attestors.${ATTESTOR}])`
    : `verifyImageSignatures(image, [attestors.${ATTESTOR}])`;
  return {
    // Both functions return how many of the given attestors verified the image.
    expression: `images.${list.field}.all(image, ${verified} > 0)`,
    message: `${list.noun} ${check.message} (subject ${check.signer.subject}, issuer ${check.signer.issuer})`,
  };
}

/** The validation that one condition holds for the attestation of every image in one container list. */
function conditionValidation(attestation: string, condition: PredicateCondition, list: ContainerList): Validation {
  const field = `extractPayload(image, attestations.${attestation}).predicate.${fieldPath(condition)}`;
  return {
    expression: `images.${list.field}.all(image, ${predicateConditionCel(field, condition)})`,
    message: `${list.noun} image: ${condition.description} (${describeCondition(condition, 'requirement')})`,
  };
}

/** CEL for one condition on the predicate field `field`. */
function predicateConditionCel(field: string, condition: PredicateCondition): string {
  switch (condition.kind) {
    case 'matchesAnyGlob':
      return celMatchesAnyGlob(field, condition.globs);
    case 'notOlderThan':
      // time.now() is Kyverno's CEL time library (kyverno.time), registered for ImageValidatingPolicy. A timestamp
      // in the future would give a negative age and pass forever, so it is refused first.
      return (
        `timestamp(${field}) <= time.now() && ` +
        `time.now() - timestamp(${field}) <= duration(${celString(goDuration(condition.maxAgeSeconds))})`
      );
  }
}
