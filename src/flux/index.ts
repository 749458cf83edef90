export { FluxChart, POLICIES_KUSTOMIZATION_NAME, objectKinds, type FluxChartProps } from './flux-chart';
export { readyExpression, type PolicyKind } from './health-checks';
export { DIST_DIR, fluxDirectory, fluxPath } from '../output/layout';
export { PoliciesGitRepository, SOURCE_IGNORE, type PoliciesGitRepositoryProps } from './policies-git-repository';
export { PoliciesKustomization, type PoliciesKustomizationProps } from './policies-kustomization';
export { PoliciesOciRepository, type PoliciesOciRepositoryProps } from './policies-oci-repository';
