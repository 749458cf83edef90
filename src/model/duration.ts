/** Seconds per unit of the durations the config accepts: days, hours, minutes. */
const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60 } as const;

/** The config's duration syntax: a positive whole number of days, hours or minutes, e.g. `30d`, `720h`. */
export const DURATION_PATTERN = '^[1-9][0-9]{0,5}[dhm]$';

/**
 * The longest duration, in whole seconds, Go's `time.ParseDuration` accepts (2562047h47m16.854775807s, the
 * int64 nanosecond limit). Both engines hand the rendered SBOM age to it: ClusterPolicy's duration operators
 * and CEL's `duration()` parse with it, and a longer value makes the policy fail at admission, not at synth.
 */
export const MAX_GO_DURATION_SECONDS = Number((2n ** 63n - 1n) / 1_000_000_000n);

/** Parses a config duration (`30d`, `720h`, `90m`) into seconds; throws on anything else. */
export function parseDuration(text: string): number {
  if (!new RegExp(DURATION_PATTERN).test(text)) throw new Error(`not a duration: ${JSON.stringify(text)} (expected e.g. 30d, 720h or 90m)`);
  return Number(text.slice(0, -1)) * UNIT_SECONDS[text.slice(-1) as keyof typeof UNIT_SECONDS];
}

/**
 * Formats seconds as a Go duration (`720h`, `90m`, `45s`), the syntax both Kyverno's duration comparisons
 * (Go `time.ParseDuration`, which has no day unit) and CEL's `duration()` accept.
 */
export function goDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`not a positive whole number of seconds: ${seconds}`);
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Seconds per unit of a Go duration (`time.ParseDuration`), as Flux's duration fields take it. */
const GO_UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3_600 };

/** The seconds of a Go duration such as `90s`, `5m` or `1h30m` (the config schema checks its syntax). */
export function parseGoDuration(text: string): number {
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) seconds += Number(amount) * GO_UNIT_SECONDS[unit];
  return seconds;
}
