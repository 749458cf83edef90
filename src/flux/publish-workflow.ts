import { Document, isScalar, visit } from 'yaml';
import { DIST_DIR, GENERATED_MARKER, type FileTree } from '../model/layout';
import { PUBLISHING_REGISTRY, workflowPath, type OciDelivery, type PublishingWorkflow } from '../model/delivery';
import type { Environment } from '../model/environment';
import { ACTION_PINS, FLUX_CLI_VERSION, usesOf } from './action-pins';
import { signingWith } from './publisher-trust';

/** The runner image both jobs use: pinned to a release, not `-latest`, so a runner upgrade is a reviewed change. */
const RUNNER = 'ubuntu-24.04';

/** An artifact repository and the environments it carries. */
interface Artifact {
  readonly repository: string;
  readonly environments: readonly { readonly name: string; readonly delivery: OciDelivery }[];
}

/**
 * One workflow file per publishing identity named in the config, keyed by its path relative to the repository
 * root (`.github/workflows/<file>`). Empty when no environment is delivered as an OCI artifact.
 */
export function renderPublishWorkflows(environments: readonly Environment[]): FileTree {
  const byFile = new Map<string, { workflow: PublishingWorkflow; artifacts: Map<string, Artifact['environments'][number][]> }>();
  for (const { name, delivery } of environments) {
    if (delivery.mode !== 'oci') continue;
    const entry = byFile.get(delivery.workflow.file) ?? { workflow: delivery.workflow, artifacts: new Map() };
    byFile.set(delivery.workflow.file, entry);
    const artifact = entry.artifacts.get(delivery.repository) ?? [];
    artifact.push({ name, delivery });
    entry.artifacts.set(delivery.repository, artifact);
  }
  const files: FileTree = new Map();
  for (const { workflow, artifacts } of byFile.values()) {
    const list = [...artifacts].map(([repository, envs]) => ({ repository, environments: envs }));
    files.set(workflowPath(workflow), renderWorkflow(workflow, list));
  }
  return files;
}

function renderWorkflow(workflow: PublishingWorkflow, artifacts: readonly Artifact[]): string {
  const names = artifacts.flatMap((artifact) => artifact.environments.map((env) => env.name));
  // The job token is not persisted for later steps to read (checkout v6 and later would keep it in a file under
  // $RUNNER_TEMP that git's config includes).
  const checkout = () => ({ uses: usesOf(ACTION_PINS.checkout), with: { 'persist-credentials': false } });
  const content = {
    name: `Publish guardrails (${names.join(', ')})`,
    on: { push: { branches: [workflow.branch] }, workflow_dispatch: {} },
    // Nothing by default; each job asks for what it needs.
    permissions: {},
    // Two runs never interleave their pushes and tag moves.
    concurrency: { group: workflowPath(workflow), 'cancel-in-progress': false },
    jobs: {
      // The drift gate runs the project's code (npm ci installs it) without the token that can sign.
      check: {
        'runs-on': RUNNER,
        permissions: { contents: 'read' },
        steps: [
          checkout(),
          // An LTS major in support (package.json `engines` also accepts 20, which is past its end of life). setup-node
          // v6 and later turn on a dependency cache by themselves when package.json names npm as its packageManager: off,
          // so the gate before the signing job installs what the lockfile names, whatever package.json says.
          { uses: usesOf(ACTION_PINS.setupNode), with: { 'node-version': '24', 'package-manager-cache': false } },
          { run: 'npm ci' },
          // --full: every environment rendered and compared, whatever the committed output manifest records.
          { name: 'Drift gate: dist/, clusters/ and this workflow are what synth writes', run: 'npm run check -- --full' },
        ],
      },
      publish: {
        needs: 'check',
        // Only this repository's branch run carries the identity the clusters accept; a fork or another branch
        // would publish artifacts no cluster verifies, and move the tags clusters follow.
        if: `github.repository == '${workflow.repository}' && github.ref == 'refs/heads/${workflow.branch}'`,
        'runs-on': RUNNER,
        permissions: { contents: 'read', packages: 'write', 'id-token': 'write' },
        steps: [
          checkout(),
          { uses: usesOf(ACTION_PINS.flux), with: { version: FLUX_CLI_VERSION } },
          // Installs the cosign release the pinned installer names (src/flux/action-pins.ts), which signs a Sigstore
          // bundle stored as an OCI referrer; source-controller looks for such bundles before legacy signatures.
          { uses: usesOf(ACTION_PINS.cosignInstaller) },
          {
            name: `Log in to ${PUBLISHING_REGISTRY}`,
            env: { GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
            run: `echo "$GITHUB_TOKEN" | docker login ${PUBLISHING_REGISTRY} --username "$GITHUB_ACTOR" --password-stdin`,
          },
          ...artifacts.map(publishStep),
        ],
      },
    },
  };
  const doc = new Document(content);
  // A pinned action's release, as a comment after its SHA.
  const releases = new Map<string, string>(Object.values(ACTION_PINS).map((pin) => [usesOf(pin), pin.release]));
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value))
        pair.value.comment = ` ${releases.get(String(pair.value.value))}`;
    },
  });
  const header = [
    GENERATED_MARKER,
    `# Publishes and signs the guardrails of ${names.map((name) => `"${name}"`).join(', ')} as OCI artifacts; each cluster's`,
    "# OCIRepository accepts only this workflow run's keyless signature (workflowIdentity in src/model/delivery.ts).",
    '# See docs/delivery.md.',
    '',
  ].join('\n');
  return `${header}${doc.toString({ lineWidth: 0 })}`;
}

/**
 * Pushes `dist/<env>/` of the artifact's environments as one artifact (`<env>/` at its root) with reproducible
 * digests, signs the pushed digest keyless (against the publisher's trust root, which the artifact's environments
 * share), and only then moves the tags environments follow, so a followed tag never names an unsigned artifact.
 * Prints the digest and writes it to the job summary.
 */
function publishStep({ repository, environments }: Artifact): Record<string, unknown> {
  const include = environments.map(({ name }) => `!/${name}/`);
  const signing = signingWith(environments[0].delivery.signer.trustRoot);
  const tags = [...new Set(environments.flatMap(({ delivery }) => ('tag' in delivery.ref ? [delivery.ref.tag] : [])))].sort();
  // Promotion targets: pinned environments, and those waiting for their first artifact.
  const pinned = environments.filter(({ delivery }) => !('tag' in delivery.ref)).map(({ name }) => name);
  const followers = environments.filter(({ delivery }) => 'tag' in delivery.ref).map(({ name }) => name);
  const promoteHint =
    pinned.length > 0 && followers.length > 0
      ? [`echo "Promote: \\\`npm run promote -- --from ${followers[0]} --to ${pinned[0]} --digest \${digest} --reports <reports.json>\\\`"`]
      : [];
  const script = [
    'set -euo pipefail',
    `pushed=$(flux push artifact "oci://\${ARTIFACT}:\${GITHUB_SHA}" \\`,
    `  --path=./${DIST_DIR} --ignore-paths='/*,${include.join(',')}' \\`,
    '  --source="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}" --revision="${GITHUB_REF_NAME}@sha1:${GITHUB_SHA}" \\',
    '  --reproducible --output=json)',
    'digest=$(jq -r .digest <<<"${pushed}")',
    ['cosign sign --yes', ...signing.flags, '"${ARTIFACT}@${digest}"'].join(' '),
    ...tags.map((tag) => `flux tag artifact "oci://\${ARTIFACT}:\${GITHUB_SHA}" --tag=${tag}`),
    'echo "published and signed ${ARTIFACT}@${digest}"',
    '{',
    '  echo "### ${ARTIFACT}"',
    '  echo "Digest: \\`${digest}\\` (commit ${GITHUB_SHA})"',
    `  echo "Environments: ${environments.map(({ name, delivery }) => `${name} (${'tag' in delivery.ref ? `follows tag ${delivery.ref.tag}` : 'digest' in delivery.ref ? 'pinned by digest' : 'not yet published: promote to publish'})`).join(', ')}"`,
    ...promoteHint.map((line) => `  ${line}`),
    '} >> "${GITHUB_STEP_SUMMARY}"',
  ];
  return {
    name: `Publish and sign ${repository} (${environments.map(({ name }) => name).join(', ')})`,
    env: { ARTIFACT: repository, ...signing.env },
    run: `${script.join('\n')}\n`,
  };
}
