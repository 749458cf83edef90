/**
 * Whether a value is printable ASCII without spaces, as URLs, hosts and certificate identities are written: a
 * character beyond it (a Cyrillic `о` in a host) names another host or none, though it reads the same.
 */
export function isPrintableAscii(value: string): boolean {
  return /^[\x21-\x7e]*$/.test(value);
}
