/**
 * The pure parts of sync (docs/protocol.md §5): canonical JSON, snapshot and blob ids, blob sealing and
 * upload batching. No server here: these are the rules the real-stack tests (sync.test.ts) rely on.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { decryptAESToBuffer, generateAesJwk } from '@somnus/crypto';
import { MAX_BLOB_CONTENT_PER_CALL, MAX_BLOBS_PER_CALL } from '@somnus/models';
import { blobBatches } from '../src/sync/batches';
import { blobIdKey, insomniaBlobId, keyedBlobId, openBlob, sealBlob } from '../src/sync/blob-crypto';
import { canonicalJson } from '../src/sync/documents';
import { parentOnBranch, ROOT_PARENT, snapshotId } from '../src/sync/snapshot-id';

describe('canonical JSON', () => {
  it('sorts keys at every level, keeps array order, drops undefined members and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é' }], c: undefined }, _id: 'x' })).toBe('{"_id":"x","a":{"d":[3,{"y":"é","z":null}]},"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });
});

describe('snapshot ids', () => {
  it('are SHA-1 of project id, parent and the sorted blob ids, concatenated', () => {
    const state = [{ blob: 'bbb' }, { blob: 'aaa' }, { blob: 'ccc' }];
    const expected = createHash('sha1').update('prj_1').update(ROOT_PARENT).update('aaa').update('bbb').update('ccc').digest('hex');
    expect(snapshotId('prj_1', ROOT_PARENT, state)).toBe(expected);
    expect(snapshotId('prj_1', ROOT_PARENT, [...state].reverse())).toBe(expected);
    expect(snapshotId('prj_2', ROOT_PARENT, state)).not.toBe(expected);
  });

  it('finds a parent on a branch', () => {
    expect(parentOnBranch(['a', 'b', 'c'], 'a')).toBe(ROOT_PARENT);
    expect(parentOnBranch(['a', 'b', 'c'], 'c')).toBe('b');
    expect(parentOnBranch(['a', 'b', 'c'], 'x')).toBeUndefined();
  });
});

describe('blobs', () => {
  const doc = canonicalJson({ _id: 'req_1', name: 'One', token: 'secret' });

  it('are named by a hash keyed with the project key, not by the SHA-1 of the document', () => {
    const key = generateAesJwk();
    const id = keyedBlobId(blobIdKey(key), doc);
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(keyedBlobId(blobIdKey(key), doc)).toBe(id);
    expect(keyedBlobId(blobIdKey(generateAesJwk()), doc)).not.toBe(id);
    expect(id).not.toBe(insomniaBlobId(doc));
    expect(insomniaBlobId(doc)).toBe(createHash('sha1').update(doc).digest('hex'));
  });

  it('hold a pretty-printed AESMessage of the gzipped document, which opens only under the project key', () => {
    const key = generateAesJwk();
    const content = sealBlob(key, doc);
    const message = JSON.parse(content);
    expect(content).toBe(JSON.stringify(message, null, 2));
    expect(message.ad).toBe('');
    expect(gunzipSync(decryptAESToBuffer(key, message)).toString('utf8')).toBe(doc);
    expect(openBlob(key, content)).toBe(doc);
    expect(() => openBlob(generateAesJwk(), content)).toThrow(/authentication failed/);
  });

  it('are uploaded in batches of at most 200 blobs and 2 MB of content', () => {
    const small = Array.from({ length: 450 }, (_, i) => ({ id: `s${i}`, content: 'x'.repeat(100) }));
    expect(blobBatches(small).map((b) => b.length)).toEqual([200, 200, 50]);
    const big = Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, content: 'x'.repeat(Math.floor(MAX_BLOB_CONTENT_PER_CALL * 0.45)) }));
    const batches = blobBatches(big);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(MAX_BLOBS_PER_CALL);
      expect(b.reduce((n, x) => n + x.content.length, 0)).toBeLessThanOrEqual(MAX_BLOB_CONTENT_PER_CALL);
    }
    expect(blobBatches([])).toEqual([]);
    expect(() => blobBatches([{ id: 'huge', content: 'x'.repeat(MAX_BLOB_CONTENT_PER_CALL + 1) }])).toThrow(RangeError);
  });
});
