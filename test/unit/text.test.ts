/**
 * What a hover, a tree and a report read: a message's first sentence, and
 * digests shortened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageName } from '../../src/core/k8s/image';
import { shortenDigests, splitFirstSentence } from '../../src/core/text';

describe('messages as people read them', () => {
  it('the first sentence ends at the first full stop outside code spans, parentheses and abbreviations', () => {
    assert.deepEqual(splitFirstSentence('Image `ghcr.io/a/web:1.2` has no digest. Add it.'), { first: 'Image `ghcr.io/a/web:1.2` has no digest.', rest: 'Add it.' });
    assert.deepEqual(splitFirstSentence('StatefulSet db keeps no history (`revisionHistoryLimit: 0`; see e.g. the docs). Why: x.'), { first: 'StatefulSet db keeps no history (`revisionHistoryLimit: 0`; see e.g. the docs).', rest: 'Why: x.' });
    assert.deepEqual(splitFirstSentence('Drops a column, e.g. legacy_total. Restore needs a backup.'), { first: 'Drops a column, e.g. legacy_total.', rest: 'Restore needs a backup.' });
    assert.deepEqual(splitFirstSentence('Version 1.5.0 is new! Roll back?'), { first: 'Version 1.5.0 is new!', rest: 'Roll back?' });
    assert.deepEqual(splitFirstSentence('One sentence without a stop'), { first: 'One sentence without a stop', rest: '' });
    assert.deepEqual(splitFirstSentence('Deployment {{ include "storefront.fullname" . }} reads ConfigMap x by name. Why.'), { first: 'Deployment {{ include "storefront.fullname" . }} reads ConfigMap x by name.', rest: 'Why.' });
    assert.deepEqual(splitFirstSentence('The sync fails with "field is immutable. Really." and more. Then.'), { first: 'The sync fails with "field is immutable. Really." and more.', rest: 'Then.' });
  });

  it('digests keep their first eight hex digits', () => {
    const digest = `sha256:${'3d5d4763'}${'0'.repeat(56)}`;
    assert.equal(shortenDigests(`runs ghcr.io/a/web:1.2@${digest} now`), 'runs ghcr.io/a/web:1.2@sha256:3d5d4763… now');
    assert.equal(shortenDigests('sha256:abc is not a digest'), 'sha256:abc is not a digest');
  });

  it('an image is named by its last path segment and tag', () => {
    assert.equal(imageName(`ghcr.io/bookstore/catalog:1.4.2@sha256:${'5'.repeat(64)}`), 'catalog:1.4.2');
    assert.equal(imageName('registry:5000/team/proxy:2.1.0'), 'proxy:2.1.0');
    assert.equal(imageName(`nginx@sha256:${'a'.repeat(64)}`), 'nginx@sha256:aaaaaaaa…');
    assert.equal(imageName('busybox'), 'busybox');
  });
});
