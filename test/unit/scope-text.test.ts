/** What the editor says about the findings the pull-request scope hides. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analysedMessage, scopeRow } from '../../src/extension/scopeText';

describe('findings outside the pull request', () => {
  it('Analyse Workspace says how many findings there are and how many the scope hides', () => {
    assert.equal(analysedMessage(19, 8, 6), 'Rollback Guard analysed 19 files: 8 findings, 6 outside the pull request.');
    assert.equal(analysedMessage(1, 1, 0), 'Rollback Guard analysed 1 file: 1 finding.');
  });

  it('the Rollback Risks view gets a row that shows all, or only the pull request again', () => {
    assert.deepEqual(
      { ...scopeRow({ total: 8, outside: 6, showingAll: false }), tooltip: undefined },
      { label: '8 findings, 6 outside the pull request', action: 'Show all', command: 'rollbackGuard.showAllFindings', tooltip: undefined },
    );
    assert.equal(scopeRow({ total: 8, outside: 6, showingAll: true })?.command, 'rollbackGuard.showPullRequestFindings');
    assert.equal(scopeRow({ total: 8, outside: 0, showingAll: false }), undefined);
  });
});
