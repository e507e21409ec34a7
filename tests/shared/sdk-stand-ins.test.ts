import { randomBytes } from 'node:crypto';
import { Sha256 as SdkSha256 } from '@smithy/core/checksum';
import MnemonistLruCache from 'mnemonist/lru-cache';
import { describe, expect, it } from 'vitest';
import LruCache from '../../functions/shared/endpoint-cache-lru';
import { Sha256 } from '../../functions/shared/lambda-sha256';
import { BUNDLED_SDK_ALIASES } from '../../lib/shared/nurture-function';

/** What the stand-ins of BUNDLED_SDK_ALIASES replace in the hot bundles: each checked against the module itself. */
describe('SDK stand-ins in functions that bundle the SDK', () => {
  it('replaces exactly the modules these tests compare against', () => {
    expect(Object.keys(BUNDLED_SDK_ALIASES).sort()).toEqual(['@aws-sdk/credential-provider-node', '@smithy/core/checksum', 'mnemonist/lru-cache']);
  });

  it('hashes and HMACs as the SDK\'s SHA-256 does, across updates, digests and resets', async () => {
    // Prepare: strings, bytes and views into a larger buffer, as SigV4 hands them over.
    const backing = randomBytes(96);
    const chunks = ['', 'AWS4-HMAC-SHA256', randomBytes(33), new Uint8Array(backing.buffer, backing.byteOffset + 7, 40), 'x'.repeat(5_000)];
    const secrets = [undefined, 'AWS4secret', randomBytes(32)];

    for (const secret of secrets) {
      const ours = new Sha256(secret);
      const sdk = new SdkSha256(secret);

      // Act
      const digests: [Uint8Array, Uint8Array][] = [];
      for (const chunk of chunks) {
        ours.update(chunk);
        // Typed for bytes, the SDK's class takes strings too (SigV4 passes both).
        sdk.update(chunk as Uint8Array);
        if (secret === undefined) digests.push([await ours.digest(), await sdk.digest()]);
      }
      digests.push([await ours.digest(), await sdk.digest()]);
      ours.reset();
      sdk.reset();
      ours.update('after a reset');
      sdk.update(new TextEncoder().encode('after a reset'));
      digests.push([await ours.digest(), await sdk.digest()]);

      // Assess
      for (const [mine, theirs] of digests) expect(Buffer.from(mine).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    }
  });

  it('refuses an update after an HMAC was digested, as the SDK\'s SHA-256 does', async () => {
    const ours = new Sha256('key');
    await ours.digest();

    expect(() => ours.update('more')).toThrow(/already finished/);
  });

  it('keeps and evicts the endpoint cache\'s entries as mnemonist\'s LRU does', () => {
    // Prepare: a small capacity, so evictions happen, and keys that repeat.
    const ours = new LruCache<string, number>(4);
    const theirs = new MnemonistLruCache<string, number>(4);
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % 7;

    // Act: the same operations on both, comparing every answer.
    for (let i = 0; i < 500; i++) {
      const key = `k${next()}`;
      switch (next() % 5) {
        case 0:
          ours.set(key, i);
          theirs.set(key, i);
          break;
        case 1:
          expect(ours.get(key)).toBe(theirs.get(key));
          break;
        case 2:
          expect(ours.peek(key)).toBe(theirs.peek(key));
          break;
        case 3:
          expect(ours.has(key)).toBe(theirs.has(key));
          break;
        default:
          if (i % 97 === 0) {
            ours.clear();
            theirs.clear();
          }
      }
      expect(ours.size).toBe(theirs.size);
    }

    // Assess: the same keys survive.
    expect([...Array(7).keys()].map((n) => ours.has(`k${n}`))).toEqual([...Array(7).keys()].map((n) => theirs.has(`k${n}`)));
  });
});
