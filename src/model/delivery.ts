// How an environment's policies reach its cluster, and who may publish them when they travel as a signed OCI
// artifact. The publishing workflow's keyless identity is the one fact both sides derive from: synth writes the
// workflow at the file, branch and repository the identity names, and the cluster's OCIRepository accepts
// signatures of that identity only.

import { globToRegExp } from './glob';
import { WORKFLOWS_DIR } from './layout';
import { GITHUB_ACTIONS } from './oidc-issuers';
import type { TrustRoot } from './trust-root';

/** The OIDC issuer of GitHub Actions' tokens: the only one the generated publishing workflow can sign with. */
export const GITHUB_ACTIONS_ISSUER = GITHUB_ACTIONS.url;

/** The layer `flux push artifact` writes the files into (fluxcd/pkg `oci/meta.go`, CanonicalContentMediaType). */
export const FLUX_CONTENT_MEDIA_TYPE = 'application/vnd.cncf.flux.content.v1.tar+gzip';

/** The registry whose packages a workflow can push to with its own `GITHUB_TOKEN`. */
export const PUBLISHING_REGISTRY = 'ghcr.io';

/** The GitHub workflow run a keyless identity names: one repository, one workflow file, one branch. */
export interface PublishingWorkflow {
  /** `<owner>/<repository>` on github.com. */
  readonly repository: string;
  /** File name in `.github/workflows/`. */
  readonly file: string;
  /** The branch whose pushes run the workflow (the identity's `refs/heads/<branch>`). */
  readonly branch: string;
}

/** Where the generated workflow file lives, relative to the repository root. */
export function workflowPath(workflow: PublishingWorkflow): string {
  return `${WORKFLOWS_DIR}/${workflow.file}`;
}

/**
 * The certificate subject GitHub's token carries for a run of the workflow on its branch (Fulcio's
 * `Build Signer URI`: `https://github.com/<repo>/.github/workflows/<file>@refs/heads/<branch>`).
 */
export function workflowIdentity(workflow: PublishingWorkflow): string {
  return `https://github.com/${workflow.repository}/${workflowPath(workflow)}@refs/heads/${workflow.branch}`;
}

const WORKFLOW_IDENTITY =
  /^https:\/\/github\.com\/([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9._-]+)\/\.github\/workflows\/([A-Za-z0-9._-]+\.ya?ml)@refs\/heads\/([A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*)$/;

/** The workflow an identity pins, or undefined when it does not pin exactly one repository, workflow file and branch. */
export function parseWorkflowIdentity(subject: string): PublishingWorkflow | undefined {
  const match = WORKFLOW_IDENTITY.exec(subject);
  if (!match) return undefined;
  const [, repository, file, branch] = match;
  return { repository, file, branch };
}

/** How a pinned publishing identity is written, for messages. */
export const WORKFLOW_IDENTITY_SYNTAX =
  'https://github.com/<owner>/<repository>/.github/workflows/<file>.yaml@refs/heads/<branch>, without wildcards';

/**
 * The anchored, escaped regular expression OCIRepository `matchOIDCIdentity` matches an identity with (the
 * field takes regular expressions). The same translation as the image signers' globs; a publishing identity
 * holds no `*` (the config refuses one), so the result matches that one value only.
 */
export function identityRegExp(value: string): string {
  return globToRegExp(value);
}

/**
 * The reference of an environment no artifact has been promoted to yet (`published: false` in the config). Its
 * policies Kustomization is written suspended, with no source: Flux neither applies nor prunes anything for it,
 * and keeps whatever it applied before. The first `promote` pins a digest in its place.
 */
export const NOT_YET_PUBLISHED = { published: false } as const;

/** Whether the environment's cluster runs a published artifact (a followed tag or a pinned digest). */
export function isPublished(delivery: OciDelivery): delivery is PublishedOciDelivery {
  return !('published' in delivery.ref);
}

/** An OCI delivery whose cluster runs a followed tag or a pinned digest. */
export type PublishedOciDelivery = OciDelivery & { readonly ref: { readonly tag: string } | { readonly digest: string } };

/** How synth's summary says that an environment is not yet published. */
export const NOT_YET_PUBLISHED_SUMMARY =
  'not yet published: its cluster applies none of these until `npm run promote` pins its first artifact (docs/delivery.md)';

/** What to do instead of a placeholder digest: mark the environment not yet published. */
export const UNPUBLISHED_REMEDY =
  'if no artifact has been promoted to this environment yet, write published: false instead of a digest (the first `npm run promote` to it sets the digest)';

/** A signed OCI artifact an environment's policies are pulled from. */
export interface OciDelivery {
  readonly mode: 'oci';
  /** Artifact repository without scheme or tag, e.g. `ghcr.io/acme/guardrails-policies`. */
  readonly repository: string;
  /**
   * Followed tag (environments that follow a branch), the pinned digest (promoted environments), or not yet
   * published: no artifact has been promoted to the environment, so its cluster applies none of its policies
   * ({@link isPublished}).
   */
  readonly ref: { readonly tag: string } | { readonly digest: string } | typeof NOT_YET_PUBLISHED;
  /** The publishing workflow's keyless identity (issuer and exact subject), and the Sigstore instance it signs with. */
  readonly signer: { readonly issuer: string; readonly subject: string; readonly trustRoot: TrustRoot };
  /** The workflow the subject names. */
  readonly workflow: PublishingWorkflow;
  /** How often source-controller looks for a new artifact (Go duration). */
  readonly interval: string;
  /**
   * Secret in flux-system holding the trusted_root.json of the publisher's private Sigstore instance; set exactly
   * when the publisher signs with one. Created by hand, never synthesized (docs/private-sigstore.md).
   */
  readonly trustedRootSecret?: string;
  /** Secret in flux-system with registry credentials (a private package). */
  readonly pullSecret?: string;
}

/** `git`: Flux applies `dist/<env>/` from the repository it watches; `oci`: from a signed, verified artifact. */
export type Delivery = { readonly mode: 'git' } | OciDelivery;
