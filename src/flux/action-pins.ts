/**
 * The GitHub Actions the publishing workflow uses: each pinned to the full commit SHA of a named release (a tag can
 * be moved, a commit cannot), with where that commit was read. This is the one record of the pins: the workflow is
 * rendered from it, and test/flux/action-pins.test.ts reads it and the rendered workflow and fails when they
 * disagree. An annotated tag is a tag object pointing at a commit: `uses:` must name the commit
 * (`git rev-parse '<tag>^{commit}'`), never the tag object, so both are recorded for such a tag.
 */
export interface ActionPin {
  /** The action as `uses:` names it: `owner/repo`, or `owner/repo/path` for an action in a subdirectory. */
  readonly action: string;
  /** The release tag the commit is. */
  readonly release: string;
  /** The commit the release tag points to: 40 hexadecimal digits. */
  readonly commit: string;
  /** The tag object's own SHA, when the release tag is annotated: not a commit, never what `uses:` names. */
  readonly tagObject?: string;
  /** How the commit was read, and what of the release the workflow relies on. */
  readonly readFrom: string;
}

/** Every pinned action, by the role it plays in the workflow. */
export const ACTION_PINS = {
  checkout: {
    action: 'actions/checkout',
    release: 'v7.0.1',
    commit: '3d3c42e5aac5ba805825da76410c181273ba90b1',
    readFrom:
      "`git rev-parse 'v7.0.1^{commit}'` in a clone of github.com/actions/checkout (a lightweight tag; the release `v7` points " +
      'to the same commit). action.yml at that commit: `persist-credentials` (default true), runs on node24.',
  },
  setupNode: {
    action: 'actions/setup-node',
    release: 'v7.0.0',
    commit: '820762786026740c76f36085b0efc47a31fe5020',
    readFrom:
      "`git rev-parse 'v7.0.0^{commit}'` in a clone of github.com/actions/setup-node (a lightweight tag; `v7` points to the same " +
      'commit). action.yml at that commit: `node-version`, `package-manager-cache` (default true), runs on node24.',
  },
  cosignInstaller: {
    action: 'sigstore/cosign-installer',
    release: 'v4.1.2',
    commit: '6f9f17788090df1f26f669e9d70d6ae9567deba6',
    readFrom:
      "`git rev-parse 'v4.1.2^{commit}'` in a clone of github.com/sigstore/cosign-installer (a lightweight tag). action.yml at " +
      'that commit installs cosign v3.0.6 by default (input `cosign-release`), checked against the SHA-256 sums the action carries.',
  },
  flux: {
    action: 'fluxcd/flux2/action',
    release: 'v2.9.4',
    commit: '889be9d6cc8afa8ed639e1e1ba4ab678e3b38d8c',
    tagObject: 'ed8c5f2c24d57715d08423d3c1a7b0554ceb030e',
    readFrom:
      "`git rev-parse 'v2.9.4^{commit}'` in a clone of github.com/fluxcd/flux2 (an annotated tag). action/action.yml at that " +
      'commit downloads the CLI release its `version` input names and checks it against that release’s checksums file.',
  },
} as const satisfies Record<string, ActionPin>;

/** What a workflow step's `uses:` says for a pinned action. */
export function usesOf(pin: ActionPin): string {
  return `${pin.action}@${pin.commit}`;
}

/**
 * The Flux CLI release the workflow installs: the flux2 release whose action is pinned, so the action and the CLI
 * it installs are one release. It bundles kustomize-controller v1.9.4 (flux2 v2.9.4
 * manifests/bases/kustomize-controller/kustomization.yaml), the version whose CRD the product pins, so
 * `flux push artifact` writes what the clusters' controllers read. Named, so the action never asks GitHub for "latest".
 */
export const FLUX_CLI_VERSION = ACTION_PINS.flux.release.replace(/^v/, '');
