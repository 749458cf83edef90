// A TUF repository's root metadata (root.json), the trust anchor an ImageValidatingPolicy's `tuf.root` bootstraps
// the repository from. Its shape is the TUF specification's (section 4.3, "root.json"): `signed._type` "root", the
// `keys` it trusts, and for each top-level role (root, targets, snapshot, timestamp; each MUST be listed) the `keyids`
// among those keys and the `threshold` of their signatures a file of the role needs. Signatures are not checked here:
// the cluster's TUF client checks them. A root that names no key for a role, or a threshold none can meet, verifies
// nothing: every image would fail to verify, with nothing said at synth.

/** The top-level roles root metadata must delegate. */
const TOP_LEVEL_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;

/** Why `bytes` is not TUF root metadata a client can bootstrap from, or undefined. */
export function tufRootProblem(bytes: Buffer): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return `is not JSON: ${(error as Error).message}`;
  }
  const signed = field(document, 'signed');
  if (field(signed, '_type') !== 'root') return 'is not TUF root metadata (signed._type "root")';
  const keys = field(signed, 'keys');
  const keyIds = keys !== null && typeof keys === 'object' && !Array.isArray(keys) ? Object.keys(keys) : [];
  if (keyIds.length === 0) return 'trusts no key (signed.keys is empty): no metadata of the repository could be verified';
  for (const role of TOP_LEVEL_ROLES) {
    const delegation = field(field(signed, 'roles'), role);
    const ids = field(delegation, 'keyids');
    const threshold = field(delegation, 'threshold');
    if (!Array.isArray(ids) || ids.length === 0) return `names no key for the ${role} role (signed.roles.${role}.keyids)`;
    const unknown = ids.find((id) => typeof id !== 'string' || !keyIds.includes(id));
    if (unknown !== undefined) return `names the key ${JSON.stringify(unknown)} for the ${role} role, which signed.keys does not hold`;
    if (!Number.isInteger(threshold) || (threshold as number) < 1 || (threshold as number) > ids.length) {
      return `has the ${role} role's threshold ${JSON.stringify(threshold)}: a whole number from 1 to its ${ids.length} key(s), or no file of the role verifies`;
    }
  }
  return undefined;
}

/** The property `key` of `value` when it is an object, else undefined. */
function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}
