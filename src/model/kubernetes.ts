/**
 * The label the API server puts on every Namespace, from its (immutable) name: the only namespace label a
 * tenant cannot set, so the only one safe to scope admission policies by.
 */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
