import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mustSucceed, runTool, toolPath } from './run';

/** Where a registry at `host` serves a path of its files directory. */
export function servedFileUrl(host: string, path: string): string {
  return `https://${host}/files/${path}`;
}

/**
 * An OCI registry for one test file: in memory, over TLS on a random loopback port, under a TLS CA made for the
 * run. Every tool started with `env` trusts that CA (Go reads SSL_CERT_FILE) and nothing else, which is all a
 * machine without other network needs. The same server answers as `localhost:PORT` and as `127.0.0.1:PORT`:
 * two registry names, so "an image from another registry" is a real other name to the policies. It also serves
 * the files of `filesDir` over https (a TUF repository), and timestamps at `tsaUrl`, signed with the timestamp
 * authority's certificate and key once they are put into `tsaDir`. `env` gives the tools a home and a TUF cache
 * of the run's own, so Sigstore clients (Kyverno's, cosign's) never read or write the user's ~/.sigstore.
 */
export class LocalRegistry {
  private constructor(
    private readonly process: ChildProcess,
    private readonly dir: string,
    /** `localhost:PORT` */
    readonly host: string,
    /** `127.0.0.1:PORT`: the same server under another registry name. */
    readonly otherHost: string,
    /**
     * `localhost:PORT` of another registry, without the OCI referrers API (as some registries are): a client keeps an
     * image's referrers, Sigstore bundles among them, in its `sha256-<digest>` tag instead.
     */
    readonly hostWithoutReferrers: string,
    /** The environment that makes Go tools trust the registry, and keeps their caches in the run. */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The directory whose files the registry serves under https://HOST/files/. */
  get filesDir(): string {
    return join(this.dir, 'files');
  }

  /**
   * The environment for one of several tools running at once: `env` with a home and a TUF cache of its own. Sigstore's
   * TUF clients write their caches there (one of them in a database only one process may hold), which the
   * ImageValidatingPolicy engine refreshes for every image it verifies.
   */
  envOfItsOwn(name: string): NodeJS.ProcessEnv {
    const own = join(this.dir, 'caches', name.replace(/[^A-Za-z0-9.-]+/g, '_'));
    return { ...this.env, HOME: join(own, 'home'), TUF_ROOT: join(own, 'tuf') };
  }

  /** Where the timestamp authority's certificate and key go (tsa.pem, tsa.key); not served. */
  get tsaDir(): string {
    return join(this.dir, 'tsa');
  }

  /** The RFC 3161 timestamp authority's URL. */
  get tsaUrl(): string {
    return `https://${this.host}/tsa`;
  }

  /** The https URL of a path under filesDir. */
  filesUrl(path: string): string {
    return servedFileUrl(this.host, path);
  }

  static async start(): Promise<LocalRegistry> {
    const dir = mkdtempSync(join(tmpdir(), 'engine-tests-registry-'));
    const caFile = join(dir, 'registry-ca.pem');
    mkdirSync(join(dir, 'files'));
    mkdirSync(join(dir, 'tsa'));
    const child = spawn(toolPath('testbed'), ['registry', '-tls-ca-out', caFile, '-files', join(dir, 'files'), '-tsa', join(dir, 'tsa')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const [address, withoutReferrers] = await new Promise<[string, string]>((resolve, reject) => {
      let seen = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        seen += chunk;
        const main = /listening on (127\.0\.0\.1:\d+)/.exec(seen);
        const other = /listening without the referrers API on 127\.0\.0\.1:(\d+)/.exec(seen);
        if (main && other) resolve([main[1], `localhost:${other[1]}`]);
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (seen += chunk));
      child.on('exit', (code) => reject(new Error(`the test registry exited ${code}: ${seen}`)));
      child.on('error', reject);
    });
    const port = address.split(':')[1];
    return new LocalRegistry(child, dir, `localhost:${port}`, address, withoutReferrers, {
      SSL_CERT_FILE: caFile,
      DOCKER_CONFIG: join(dir, 'docker'),
      HOME: join(dir, 'home'),
      TUF_ROOT: join(dir, 'tuf-cache'),
    });
  }

  /**
   * Pushes a one-layer image of random bytes (a new digest every run) as `repository:tag` and returns its
   * reference by digest (`repository@sha256:…`).
   */
  async pushRandomImage(repository: string, tag = 'latest'): Promise<string> {
    const layer = join(this.dir, `layer-${Math.random().toString(36).slice(2)}.tar`);
    mustSucceed(await runTool('testbed', ['layer', '-out', layer]), 'testbed layer');
    mustSucceed(
      await runTool('crane', ['append', '--new_layer', layer, '--new_tag', `${repository}:${tag}`], { env: this.env }),
      `crane append ${repository}:${tag}`,
    );
    const digest = mustSucceed(await runTool('crane', ['digest', `${repository}:${tag}`], { env: this.env }), 'crane digest').stdout.trim();
    return `${repository}@${digest}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.process.exitCode !== null) return resolve();
      this.process.on('exit', () => resolve());
      this.process.stdin!.end();
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
