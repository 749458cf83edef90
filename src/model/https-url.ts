/**
 * Why a value is not an https URL a Sigstore service can be reached at, or undefined. Parsed with the WHATWG URL
 * parser (node:url), as any client would: a URL must parse (which for https means naming a host), use https, and
 * carry no credentials, query or fragment (a service is named by its base URL; a password in the config would be published with it).
 */
export function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL: write https://<host>[/path]`;
  }
  if (url.protocol !== 'https:') return `"${value}" is not an https URL: the service's answers would travel unauthenticated`;
  if (url.username !== '' || url.password !== '') return `"${value}" carries credentials: a trust root is committed and published`;
  if (url.search !== '' || url.hash !== '') return `"${value}" has a query or fragment: write the service's base URL`;
  return undefined;
}
