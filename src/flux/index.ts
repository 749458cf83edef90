export { FluxChart, POLICIES_KUSTOMIZATION_NAME, objectKinds, type FluxChartProps } from './flux-chart';
export { readyExpression, type PolicyKind } from './health-checks';
export { DIST_DIR, fluxDirectory, fluxPath } from '../model/layout';
export { renderPoliciesGitRepository, SOURCE_IGNORE, type PoliciesGitRepositoryProps } from './policies-git-repository';
export { renderPoliciesKustomization, type PoliciesKustomizationProps } from './policies-kustomization';
export { renderPoliciesOciRepository, type PoliciesOciRepositoryProps } from './policies-oci-repository';
