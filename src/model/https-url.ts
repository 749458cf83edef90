import { isPrintableAscii } from './printable-ascii';

/**
 * Why a value is not an https URL a Sigstore service can be reached at, or undefined. Parsed with the WHATWG URL
 * parser (node:url), as any client would: a URL must parse (which for https means naming a host), use https, and
 * carry no credentials, query or fragment (a service is named by its base URL; a password in the config would be published with it).
 * It must be printable ASCII, as written: the WHATWG parser maps a host beyond ASCII to punycode and drops what it
 * ignores, while the engines (Go's net/url) take the text as written, so `https://rekor.exаmple` (Cyrillic а) or a
 * trailing space would pass here and reach another host, or none, there.
 */
export function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL: write https://<host>[/path]`;
  }
  if (!isPrintableAscii(value)) {
    return `"${value}" has a space or a character beyond ASCII: write the URL in ASCII, a host beyond it in punycode (${url.protocol}//${url.host})`;
  }
  if (url.protocol !== 'https:') return `"${value}" is not an https URL: the service's answers would travel unauthenticated`;
  if (url.username !== '' || url.password !== '')
    return `"${value}" carries credentials, which would be committed and published with the policies`;
  if (url.search !== '' || url.hash !== '') return `"${value}" has a query or fragment: write the service's base URL`;
  return undefined;
}
