/**
 * What the editor says about findings the pull-request scope hides, in the
 * Analyse Workspace message and the Rollback Risks view. No `vscode` import:
 * tested with plain Node.
 */

/** "Rollback Guard analysed 19 files: 8 findings, 6 outside the pull request." */
export function analysedMessage(files: number, total: number, outside: number): string {
  const findings = `${total} finding${total === 1 ? '' : 's'}`;
  return `Rollback Guard analysed ${files} file${files === 1 ? '' : 's'}: ${findings}${outside > 0 ? `, ${outside} outside the pull request` : ''}.`;
}

/** "8 findings, 6 outside the pull request — Show all": what a summary row says, and the command it runs. */
export function scopeRow(s: { total: number; outside: number; showingAll: boolean }): { label: string; action: string; command: string; tooltip: string } | undefined {
  if (s.outside === 0) return undefined;
  const label = `${s.total} finding${s.total === 1 ? '' : 's'}, ${s.outside} outside the pull request`;
  return s.showingAll
    ? { label, action: 'Show only the pull request', command: 'rollbackGuard.showPullRequestFindings', tooltip: `All ${s.total} findings of the analysed files are shown. Click to show only the ${s.total - s.outside} on what the pull request changes.` }
    : { label, action: 'Show all', command: 'rollbackGuard.showAllFindings', tooltip: `Only findings on what the pull request changes are shown (setting rollbackGuard.analysis.scope). Click to show all ${s.total}.` };
}

