import { describe, expect, it } from 'vitest';
import { configRefusals, testDigest } from '../helpers';

/** One environment with `lines` added before its policies; line 6 is the first added line. */
function config(...lines: string[]): string {
  return [
    'environments:',
    '  - name: dev',
    '    imagePatterns: [ghcr.io/acme/*]',
    '    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }',
    '    policies: { verify-image-signatures: { phase: audit } }',
    ...lines,
    '',
  ].join('\n');
}

const DRILL = `    drill: { signedImage: "ghcr.io/acme/app@${testDigest('app')}", unsignedImage: ghcr.io/acme/app:1 }`;

describe('namespaces never checked must hold the cluster’s own controllers', () => {
  // Never checked, yet no controller of the cluster runs there (`default` is where applications run).
  it.each([
    [
      'default as the Kyverno namespace',
      ['    kyvernoNamespace: default'],
      'environments.yaml:6:23: environment "dev": kyvernoNamespace: "default" is Kubernetes\' namespace for objects created without one, ' +
        'where applications run: no guardrail would check Pods there; name the namespace Kyverno is installed in: the one named here is ' +
        'never checked, and the one Kyverno runs in would be (to leave "default" unchecked on purpose, list it in excludeNamespaces)',
    ],
    [
      'default as a system namespace',
      ['    systemNamespaces: [flux-system, default]'],
      'environments.yaml:6:37: environment "dev": systemNamespaces[1]: "default" is Kubernetes\' namespace for objects created without one, ' +
        "where applications run: no guardrail would check Pods there; list only namespaces where the cluster's own controllers run " +
        '(to leave "default" unchecked on purpose, list it in excludeNamespaces)',
    ],
    [
      'kube-node-lease as a system namespace',
      ['    systemNamespaces: [kube-node-lease]'],
      'environments.yaml:6:24: environment "dev": systemNamespaces[0]: "kube-node-lease" holds the nodes\' heartbeat Leases, no controller: ' +
        "no guardrail would check Pods there; list only namespaces where the cluster's own controllers run " +
        '(to leave "kube-node-lease" unchecked on purpose, list it in excludeNamespaces)',
    ],
    [
      'kube-public as the Kyverno namespace',
      ['    kyvernoNamespace: kube-public'],
      'environments.yaml:6:23: environment "dev": kyvernoNamespace: "kube-public" holds the cluster\'s public information (readable by anyone), ' +
        'no controller: no guardrail would check Pods there; name the namespace Kyverno is installed in: the one named here is never checked, ' +
        'and the one Kyverno runs in would be (to leave "kube-public" unchecked on purpose, list it in excludeNamespaces)',
    ],
    // The drill runs in `default` when the environment lists no namespaces.
    [
      'a drill in default, which excludeNamespaces excludes',
      ['    excludeNamespaces: [default]', DRILL],
      'environments.yaml:7:12: environment "dev": drill: runs in "default" (the environment lists no namespaces), which the policies exclude, ' +
        'so every policy would skip its Pods: list the namespaces to check, the drill running in the first, or leave drill: out',
    ],
  ])('refuses %s, at its line', (_name, lines, refusal) => {
    expect(configRefusals(config(...lines))).toEqual([refusal]);
  });

  it.each([
    // Left unchecked by an explicit exclusion, not as a system namespace.
    ['default excluded on purpose', ['    excludeNamespaces: [default]']],
    ['Kyverno installed in kube-system', ['    kyvernoNamespace: kube-system']],
    ['a drill in the first listed namespace', ['    namespaces: [apps]', '    excludeNamespaces: [default]', DRILL]],
    ['a drill in default, checked', [DRILL]],
  ])('accepts %s', (_name, lines) => {
    expect(configRefusals(config(...lines))).toEqual([]);
  });
});
