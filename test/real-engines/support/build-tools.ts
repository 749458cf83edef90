import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureTool, TOOLS, type ToolBuild, type ToolName } from './tools';

/** Where the tools' paths are handed to the test files (vitest's global setup runs in another process). */
export const TOOLS_MANIFEST = '.build/engine-tools.json';

/**
 * Vitest global setup of the `engines` project: builds (or finds in the cache) every pinned tool, one at a time
 * (each Go build already uses every core), prints how long each took, and writes their paths for the tests. A
 * failed build fails the whole run with the tool and module named.
 */
export default async function buildTools(): Promise<void> {
  const builds: Partial<Record<ToolName, ToolBuild>> = {};
  for (const tool of Object.keys(TOOLS) as ToolName[]) {
    const started = performance.now();
    let build: ToolBuild;
    try {
      build = await ensureTool(tool);
    } catch (error) {
      // Printed here, whole: vitest's report of a global setup failure loses the message (it maps the stack).
      const message = error instanceof Error ? error.message : String(error);
      console.error(`engine tools: FAILED ${message}`);
      throw Object.assign(new Error(message), { stack: message });
    }
    builds[tool] = build;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `engine tools: ${tool} ${build.version} ${build.builtSeconds === undefined ? `cached (${seconds} s)` : `built in ${build.builtSeconds} s`}`,
    );
  }
  mkdirSync('.build', { recursive: true });
  writeFileSync(TOOLS_MANIFEST, JSON.stringify(builds, null, 2));
}
