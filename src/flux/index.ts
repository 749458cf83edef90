export { FluxChart, objectKinds } from './flux-chart';
export { readyExpression } from './health-checks';
export { SOURCE_IGNORE } from './policies-git-repository';
