import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requiredVersion, TOOLS, type ToolName } from './support/tools';
import { runTool, toolVersion } from './support/run';

/** How each tool reports its release, and the line that names it. */
const VERSION_COMMANDS: Record<Exclude<ToolName, 'testbed'>, { args: string[]; line: RegExp }> = {
  kyverno: { args: ['version'], line: /^Version: (\S+)$/m },
  'cosign-v2': { args: ['version'], line: /^GitVersion:\s+(\S+)$/m },
  'cosign-v3': { args: ['version'], line: /^GitVersion:\s+(\S+)$/m },
  flux: { args: ['--version'], line: /^flux version (\S+)$/m },
  crane: { args: ['version'], line: /^(\S+)$/m },
};

describe('the pinned tools run and report the release their module pins', () => {
  it.each(Object.keys(VERSION_COMMANDS) as (keyof typeof VERSION_COMMANDS)[])('%s', async (tool) => {
    const goMod = readFileSync(`engine-tests/${TOOLS[tool].module}/go.mod`, 'utf8');
    const pinned = requiredVersion(goMod, TOOLS[tool].pin);
    expect(toolVersion(tool)).toBe(pinned);
    const ran = await runTool(tool, VERSION_COMMANDS[tool].args);
    expect(ran.code, ran.output).toBe(0);
    // flux prints its version without the leading v; crane prints the module's version as Go recorded it.
    expect(VERSION_COMMANDS[tool].line.exec(ran.output)?.[1]?.replace(/^v?/, 'v'), ran.output).toBe(pinned);
  });
});
