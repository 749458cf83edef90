import { X509Certificate, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { httpsUrlProblem } from '../../src/model/https-url';
import { certificatesPem, publicKeyPem, readCaCertificates, readLogPublicKey, readTsaChain } from '../../src/model/pem';
import { buildTrustedRoot, readTrustedRoot } from '../../src/model/sigstore-trusted-root';
import type { SigstoreMaterial } from '../../src/model/trust-root';

const fixture = (name: string) => readFileSync(`test/fixtures/sigstore/${name}`, 'utf8');
const NOW = new Date('2026-06-01T00:00:00Z');

function value<T>(read: { value: T } | { problem: string }): T {
  if ('problem' in read) throw new Error(read.problem);
  return read.value;
}

/** The fixture instance as PEM material, with the URLs the sigstore-go trusted root of the fixtures names. */
const MATERIAL: SigstoreMaterial = {
  fulcio: {
    url: 'https://fulcio.sigstore.test',
    roots: { pem: certificatesPem(value(readCaCertificates(fixture('fulcio-root.pem'), NOW))) },
    intermediates: { pem: certificatesPem(value(readCaCertificates(fixture('fulcio-intermediate.pem'), NOW))) },
  },
  rekor: { url: 'https://rekor.sigstore.test', publicKey: { pem: publicKeyPem(value(readLogPublicKey(fixture('rekor.pub'), 'rekor'))) } },
  ctlog: { publicKey: { pem: publicKeyPem(value(readLogPublicKey(fixture('ctfe.pub'), 'ctlog'))) } },
  tsa: {
    url: 'https://tsa.sigstore.test/api/v1/timestamp',
    certificateChain: { pem: certificatesPem(value(readTsaChain(fixture('tsa-chain.pem'), NOW))) },
  },
};

type Json = Record<string, any>;

/** What a verifier reads from a trusted root: every field sigstore-go parses but the informational CA subject. */
function meaning(trustedRoot: Json) {
  const log = (l: Json) => ({ baseUrl: l.baseUrl ?? '', hashAlgorithm: l.hashAlgorithm, publicKey: { ...l.publicKey }, logId: l.logId });
  const authority = (a: Json) => ({ uri: a.uri, certificates: a.certChain.certificates.map((c: Json) => c.rawBytes) });
  return {
    mediaType: trustedRoot.mediaType,
    tlogs: trustedRoot.tlogs.map(log),
    ctlogs: trustedRoot.ctlogs.map(log),
    certificateAuthorities: trustedRoot.certificateAuthorities.map(authority),
    timestampAuthorities: trustedRoot.timestampAuthorities.map(authority),
  };
}

describe('the Sigstore trusted root of an instance described by its files', () => {
  it('means what sigstore-go writes for the same files: log keys, IDs and validity, CA and TSA chains, URLs', () => {
    // test/fixtures/sigstore/trusted_root.json was written by sigstore-go's root.NewTrustedRoot + MarshalJSON (see its README).
    const reference = meaning(JSON.parse(fixture('trusted_root.json')));
    expect(meaning(JSON.parse(buildTrustedRoot(MATERIAL)))).toEqual(reference);
  });

  it('holds no log the instance does without', () => {
    const trustedRoot = JSON.parse(buildTrustedRoot({ fulcio: MATERIAL.fulcio }));
    expect([trustedRoot.tlogs, trustedRoot.ctlogs, trustedRoot.timestampAuthorities]).toEqual([[], [], []]);
    expect(trustedRoot.certificateAuthorities).toHaveLength(1);
  });
});

describe('a trusted_root.json read as PEM material', () => {
  it('gives the instance of the files back: roots, intermediates, Rekor URL and key, CT log key, TSA chain', () => {
    const read = value(readTrustedRoot(fixture('trusted_root.json'), NOW, new Set()));
    expect(read.materialProblem).toBeUndefined();
    expect(read.material).toEqual(MATERIAL);
  });

  it('leaves out a log the trust root ignores', () => {
    const read = value(readTrustedRoot(fixture('trusted_root.json'), NOW, new Set(['insecureIgnoreTlog', 'insecureIgnoreSCT'])));
    expect(read.material?.rekor).toBeUndefined();
    expect(read.material?.ctlog).toBeUndefined();
  });

  it('has no single set of PEM fields when two transparency logs are current, and takes retired entries for history only', () => {
    const document = JSON.parse(fixture('trusted_root.json'));
    const second = createPublicKey(fixture('ctfe.pub')).export({ type: 'spki', format: 'der' }).toString('base64');
    const twoLogs = {
      ...document,
      tlogs: [...document.tlogs, { ...document.tlogs[0], publicKey: { ...document.tlogs[0].publicKey, rawBytes: second } }],
    };
    expect(value(readTrustedRoot(JSON.stringify(twoLogs), NOW, new Set()))).toMatchObject({
      materialProblem: 'names 2 current transparency logs',
    });
    const retired = {
      ...twoLogs,
      tlogs: [
        twoLogs.tlogs[0],
        {
          ...twoLogs.tlogs[1],
          publicKey: { ...twoLogs.tlogs[1].publicKey, validFor: { start: '2020-01-01T00:00:00Z', end: '2021-01-01T00:00:00Z' } },
        },
      ],
    };
    expect(value(readTrustedRoot(JSON.stringify(retired), NOW, new Set())).material?.rekor?.publicKey).toEqual(MATERIAL.rekor?.publicKey);
  });

  it('refuses one with no current transparency log unless the trust root ignores it, and an expired current root', () => {
    const document = JSON.parse(fixture('trusted_root.json'));
    expect(readTrustedRoot(JSON.stringify({ ...document, tlogs: [] }), NOW, new Set())).toEqual({
      problem:
        'names no current transparency log: signatures could not be checked in one (set insecureIgnoreTlog with the reason, if that is the intent)',
    });
    expect('value' in readTrustedRoot(JSON.stringify({ ...document, tlogs: [] }), NOW, new Set(['insecureIgnoreTlog']))).toBe(true);
    const expired = new X509Certificate(fixture('expired-root.pem')).raw.toString('base64');
    const withExpiredRoot = { ...document, certificateAuthorities: [{ certChain: { certificates: [{ rawBytes: expired }] } }] };
    expect(readTrustedRoot(JSON.stringify(withExpiredRoot), NOW, new Set())).toEqual({
      problem: 'has a current certificate authority whose root (O=supply-chain-guardrails test, CN=Expired Root) expired on 2001-01-01',
    });
  });
});

describe('https URLs of Sigstore services', () => {
  it.each([
    ['https://rekor.sigstore.test', undefined],
    ['https://rekor.sigstore.test/base', undefined],
    ['http://rekor.sigstore.test', '"http://rekor.sigstore.test" is not an https URL: the service\'s answers would travel unauthenticated'],
    ['https://exa mple.test', '"https://exa mple.test" is not a URL: write https://<host>[/path]'],
  ])('%s', (url, problem) => {
    expect(httpsUrlProblem(url)).toBe(problem);
  });
});
