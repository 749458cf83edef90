// The Flux release this product delivers with, and the controllers it runs in `flux-system`: the image references
// their Pods carry, so synth can tell when an enforced guardrail would deny the controllers that apply it.

/**
 * The Flux release whose controllers `flux bootstrap` installs: the release the publishing workflow installs the CLI
 * of (src/flux/action-pins.ts; a test keeps them one release). Its kustomize-controller is the one whose CRD is pinned
 * in crds/ (v1.9.4); its source-controller is v1.9.4, newer than the v1.9.1 whose CRDs are pinned.
 */
export const FLUX_VERSION = '2.9.4';

/** Where `flux bootstrap` and `flux install` pull the controllers from unless `--registry` says otherwise. */
const FLUX_REGISTRY = 'ghcr.io/fluxcd';

/**
 * Each Flux controller of the release and its version, as fluxcd/flux2 v2.9.4 pins them
 * (`manifests/bases/<controller>/kustomization.yaml:4-5`, the release assets it installs; each controller's release
 * sets its image tag to its own tag, `config/manager/kustomization.yaml` `newTag`, as read at kustomize-controller
 * v1.9.4 and source-controller v1.9.1). The first four are installed by default, the other three on request
 * (`--components-extra`; `pkg/manifestgen/install/options.go:46-47`).
 */
const FLUX_CONTROLLERS: readonly (readonly [name: string, version: string])[] = [
  ['source-controller', 'v1.9.4'],
  ['kustomize-controller', 'v1.9.4'],
  ['helm-controller', 'v1.6.3'],
  ['notification-controller', 'v1.9.3'],
  ['image-reflector-controller', 'v1.2.4'],
  ['image-automation-controller', 'v1.2.4'],
  ['source-watcher', 'v2.2.3'],
];

/**
 * The image references of Flux's controllers as their Pods in `flux-system` write them: `<registry>/<name>:<tag>`
 * (the kustomize `images` rewrite of `manifests/install/kustomization.yaml:17-31`, registry default
 * `pkg/manifestgen/install/options.go:49`).
 */
export const FLUX_CONTROLLER_IMAGES: readonly string[] = FLUX_CONTROLLERS.map(([name, version]) => `${FLUX_REGISTRY}/${name}:${version}`);
