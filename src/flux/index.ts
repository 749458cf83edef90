export { FluxChart, objectKinds } from './flux-chart';
export { readyExpression } from './health-checks';
export { DIST_DIR, fluxDirectory } from '../model/layout';
export { SOURCE_IGNORE } from './policies-git-repository';
