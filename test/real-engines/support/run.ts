import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TOOLS_MANIFEST } from './build-tools';
import type { ToolBuild, ToolName } from './tools';

/** What a finished process left: its exit code and both streams. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Both streams, for messages and for tools that print results on either. */
  readonly output: string;
}

let manifest: Partial<Record<ToolName, ToolBuild>> | undefined;

/** The path of a tool the global setup built (or found in the cache). */
export function toolPath(tool: ToolName): string {
  manifest ??= JSON.parse(readFileSync(TOOLS_MANIFEST, 'utf8')) as Partial<Record<ToolName, ToolBuild>>;
  const build = manifest[tool];
  if (!build) throw new Error(`${tool} was not built by the engines project's global setup (${TOOLS_MANIFEST})`);
  return build.path;
}

/** The pinned version of a tool, as its module requires it. */
export function toolVersion(tool: ToolName): string {
  toolPath(tool);
  return manifest![tool]!.version;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
}

/** Runs a built tool to its end; never throws for a non-zero exit (the verdict is the caller's to judge). */
export function runTool(tool: ToolName, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  return runProgram(toolPath(tool), args, options);
}

export function runProgram(program: string, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, output: stdout + stderr }));
    // A tool that exits without reading its input closes the pipe: that is no error of the run.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** A failed step of a test's setup, with the tool's own words. */
export function mustSucceed(ran: Ran, what: string): Ran {
  if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}:\n${ran.output.trim().split('\n').slice(-20).join('\n')}`);
  return ran;
}

/** Runs the tasks given to it at most `limit` at a time (the tools mostly wait for the registry; the machine has few cores). */
export function concurrency(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
