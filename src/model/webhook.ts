/**
 * Why a webhook setting fails open unacknowledged, or undefined: an enforcing policy with failurePolicy Ignore
 * admits every Pod unchecked whenever Kyverno is down or slow, so it needs a written acknowledgement.
 */
export function failOpenProblem(enforcing: boolean, failurePolicy: unknown, acknowledgement: string | undefined): string | undefined {
  if (!enforcing || failurePolicy !== 'Ignore' || acknowledgement) return undefined;
  return 'enforces with failurePolicy Ignore (fails open): set webhook.acknowledgeFailOpen to the reason, or use failurePolicy Fail';
}
