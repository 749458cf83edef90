import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Go modules of the engine tests, each pinning its tools in go.mod and go.sum. */
const ENGINE_TESTS = resolve('engine-tests');

/**
 * The real tools the engine tests run, each built from a module of engine-tests/ (its go.mod's `tool` directive
 * or the module's own package). The versions are the modules' pins; `pin` names the module whose version the
 * built binary must report in its build info, so a go.mod edit that drops the pin fails the build.
 */
export const TOOLS = {
  kyverno: { module: 'tools/kyverno', package: 'github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno', pin: 'github.com/kyverno/kyverno' },
  'cosign-v2': { module: 'tools/cosign-v2', package: 'github.com/sigstore/cosign/v2/cmd/cosign', pin: 'github.com/sigstore/cosign/v2' },
  'cosign-v3': { module: 'tools/cosign-v3', package: 'github.com/sigstore/cosign/v3/cmd/cosign', pin: 'github.com/sigstore/cosign/v3' },
  // flux2's cmd/flux embeds the install manifests its release build generates, which the module does not ship: the
  // module is built from a copy with an empty manifests folder (`flux install` and `bootstrap` are not used here).
  // Its version string is set at link time, as flux2's release build does (.goreleaser.yml: -X main.VERSION).
  flux: {
    module: 'tools/flux',
    package: 'github.com/fluxcd/flux2/v2/cmd/flux',
    pin: 'github.com/fluxcd/flux2/v2',
    withoutEmbeddedManifests: true,
    versionVariable: 'main.VERSION',
  },
  crane: { module: 'testbed', package: 'github.com/google/go-containerregistry/cmd/crane', pin: 'github.com/google/go-containerregistry' },
  testbed: { module: 'testbed', package: '.', pin: 'github.com/google/go-containerregistry' },
} as const;

export type ToolName = keyof typeof TOOLS;

/** No symbol table and no DWARF: the binaries are for running, and the Kyverno CLI is about 320 MB even so. */
const STRIPPED = '-s -w';

/** How one tool was had: built now (and how long it took) or found in the cache. */
export interface ToolBuild {
  readonly tool: ToolName;
  readonly path: string;
  readonly version: string;
  readonly builtSeconds?: number;
}

/** Where built tools are kept between runs: outside the repository, per user, like Go's own build cache. */
export function toolCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'supply-chain-guardrails', 'engine-tools');
}

/** The version of `modulePath` a go.mod requires. */
export function requiredVersion(goMod: string, modulePath: string): string {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match) throw new Error(`go.mod does not require ${modulePath}`);
  return match[1];
}

/** A failed build names the tool, the module and Go's own words; nothing is skipped. */
export class ToolBuildError extends Error {}

async function go(args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout } = await run('go', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GOFLAGS: '-mod=readonly' } });
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    // `go mod download -json` reports its errors on standard output.
    const said = e.stderr?.trim() || e.stdout?.trim() || e.message;
    const detail = e.code === 'ENOENT' ? 'go is not on PATH (the engine tests need Go 1.26 and the Go module proxy)' : said;
    throw new ToolBuildError(`${what}: \`go ${args.join(' ')}\` failed in ${cwd}:\n${detail.split('\n').slice(-30).join('\n')}`);
  }
}

/**
 * The tool's binary: from the cache when a build of the same pins (go.mod, go.sum, the Go release, the platform)
 * is there, otherwise built now and stored atomically (a rename), so concurrent runs never see half a binary.
 */
export async function ensureTool(tool: ToolName): Promise<ToolBuild> {
  const spec = TOOLS[tool];
  const moduleDir = join(ENGINE_TESTS, spec.module);
  const what = `building ${tool} (Go module engine-tests/${spec.module}, package ${spec.package})`;
  const goMod = readFileSync(join(moduleDir, 'go.mod'), 'utf8');
  const version = requiredVersion(goMod, spec.pin);
  const goVersion = (await go(['env', 'GOVERSION', 'GOOS', 'GOARCH'], moduleDir, what)).trim();
  // The tests' own program is built from the repository's sources, which are part of what it is.
  const sources =
    tool === 'testbed'
      ? readdirSync(moduleDir)
          .filter((file) => file.endsWith('.go'))
          .sort()
          .map((file) => readFileSync(join(moduleDir, file), 'utf8'))
          .join('\0')
      : '';
  const key = createHash('sha256')
    .update([tool, JSON.stringify(spec), STRIPPED, goMod, readFileSync(join(moduleDir, 'go.sum'), 'utf8'), goVersion, sources].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const dir = join(toolCacheDir(), `${tool}-${version}-${key}`);
  const binary = join(dir, tool);
  if (existsSync(binary)) return { tool, path: binary, version };

  const started = performance.now();
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const output = join(staging, tool);
    if ('withoutEmbeddedManifests' in spec) {
      const source = await copyModuleSource(moduleDir, spec.pin, version, join(staging, 'src'), what);
      mkdirSync(join(source, 'cmd/flux/manifests'), { recursive: true });
      writeFileSync(join(source, 'cmd/flux/manifests/not-embedded.yaml'), '# the install manifests are not part of this build\n');
      const ldflags = `${STRIPPED} -X ${spec.versionVariable}=${version.replace(/^v/, '')}`;
      await go(['build', '-trimpath', '-ldflags', ldflags, '-o', output, './cmd/flux'], source, what);
      rmSync(source, { recursive: true, force: true });
    } else {
      await go(['build', '-trimpath', '-ldflags', STRIPPED, '-o', output, spec.package], moduleDir, what);
    }
    // A module built from its own copy is the main module, which Go records as (devel): its version is the copy's.
    const recorded = 'withoutEmbeddedManifests' in spec ? '\\(devel\\)' : version.replace(/[.]/g, '\\.');
    const info = await go(['version', '-m', output], moduleDir, what);
    if (!new RegExp(`\\s(mod|dep)\\s+${spec.pin.replace(/[.]/g, '\\.')}\\s+${recorded}\\s`).test(info)) {
      throw new ToolBuildError(`${what}: the binary's build info does not name ${spec.pin} ${version}`);
    }
    const builtSeconds = Math.round((performance.now() - started) / 100) / 10;
    writeFileSync(join(staging, 'build.json'), JSON.stringify({ tool, version, builtSeconds, go: goVersion.split('\n') }, null, 2));
    mkdirSync(toolCacheDir(), { recursive: true });
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another run stored the same build first: theirs is as good.
      if (!existsSync(binary)) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
    return { tool, path: binary, version, builtSeconds };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** A writable copy of a pinned module's source, downloaded (and checked against go.sum) through the module proxy. */
async function copyModuleSource(moduleDir: string, modulePath: string, version: string, target: string, what: string): Promise<string> {
  const downloaded = JSON.parse(await go(['mod', 'download', '-json', `${modulePath}@${version}`], moduleDir, what)) as { Dir: string };
  cpSync(downloaded.Dir, target, { recursive: true });
  makeWritable(target);
  return target;
}

function makeWritable(path: string): void {
  chmodSync(path, 0o755);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) makeWritable(child);
    else chmodSync(child, 0o644);
  }
}
