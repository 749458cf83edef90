/**
 * Why an image reference glob is too broad to govern or allow images with, or undefined when it names one
 * registry host: a pattern for every registry, or one without a registry host (which silently depends on
 * Docker Hub being the default), says nothing about where an image comes from.
 */
export function imagePatternBreadth(pattern: string): string | undefined {
  if (/^[*/]+$/.test(pattern)) return 'governs every image of every registry';
  const slash = pattern.indexOf('/');
  const host = slash < 0 ? '' : pattern.slice(0, slash);
  if (host.includes('*')) return `governs every registry matching "${host}": name one registry host`;
  // A registry host, as the first segment of an image reference, has a `.` or `:`, or is `localhost`.
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') {
    return 'does not name a registry host: what it governs depends on how each Pod spells its image (Docker Hub is implied)';
  }
  return undefined;
}
