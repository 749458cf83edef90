import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { currentGenerator } from '../generator';
import type { Environment } from '../model/environment';
import { workingTreeFiles, type ConfigFiles } from './config-files';
import { checkConfig, parseConfig, resolveChecked, type CheckedConfig } from './load';

// Parsing a fleet's config (one YAML document of thousands of environments, every node with its position) and
// checking it is most of what an unchanged synth costs. The checked config is therefore kept in a file of its own
// (beside the output: see checkedConfigBeside) and used again only for the very same text, file name and generator,
// for which checking again would give the very same: it saves the work, never changes the result. What depends on
// more than the text, the trust roots read from their files (through the same source a fresh check reads them from:
// the working tree, or the index for the pre-commit check) and checked against the clock, is read again every
// time, so a changed certificate or key is judged as if nothing were kept. A config that is refused is not kept, so
// its problems are reported every time.

/**
 * The environments of `text` (the config file `file`, the files it names read from `files`), taken from `cacheFile`
 * when it holds this very text checked by this generator, else checked now; `keep` keeps what was checked in
 * `cacheFile` (synth calls it once it wrote the output; the drift gate, which writes nothing, does not).
 */
export function parseConfigKept(
  text: string,
  file: string,
  cacheFile: string | undefined,
  files: ConfigFiles = workingTreeFiles(file),
): { environments: Environment[]; keep: () => void } {
  const nothingToKeep = () => {};
  if (cacheFile === undefined) return { environments: parseConfig(text, file, files), keep: nothingToKeep };
  const key = createHash('sha256').update(`${currentGenerator().generator}\0${file}\0${text}`).digest('hex');
  const kept = readKept(cacheFile, key);
  // Its trust roots no longer pass: checked again from the text, which places their problems.
  const resolved = kept && resolveChecked(kept, file, files);
  if (resolved) return { environments: resolved, keep: nothingToKeep };
  const { environments, checked } = checkConfig(text, file, files);
  return { environments, keep: () => keep(cacheFile, key, checked) };
}

interface KeptConfig {
  readonly key: string;
  readonly config: CheckedConfig;
}

function readKept(cacheFile: string, key: string): CheckedConfig | undefined {
  try {
    const kept = JSON.parse(readFileSync(cacheFile, 'utf8')) as KeptConfig;
    return kept.key === key ? kept.config : undefined;
  } catch {
    return undefined; // none yet, or unreadable: checked again
  }
}

/** Writes the checked config through a rename (a concurrent reader never sees half of it); a failure only costs speed. */
function keep(cacheFile: string, key: string, config: CheckedConfig): void {
  const json = JSON.stringify({ key, config } satisfies KeptConfig);
  // Only what JSON gives back as it was (the schema admits no value it would change, such as -0 or Infinity).
  if (!isDeepStrictEqual((JSON.parse(json) as KeptConfig).config, config)) return;
  const staging = `${cacheFile}.${randomUUID()}`;
  try {
    writeFileSync(staging, json);
    renameSync(staging, cacheFile);
  } catch {
    rmSync(staging, { force: true });
  }
}
