// Usage text of `report`, apart from the command so main.ts can show it
// without loading the Git layer.

export const REPORT_USAGE = `Usage: rollback-guard report [options]

Writes the rollback plan of the current branch against its base — the
release's rollback class, the layers it touches, the recommended action and
its steps, the findings, and the questions to answer before production — as
Markdown for a pull-request comment, or as JSON.

Options:
  --base REF                  base to compare with (default: \`base\` in .rollbackguard.yaml,
                              the branch's upstream, origin/HEAD, main, master)
  --format markdown|json      output format (default: markdown)
  --worktree                  include uncommitted changes (default: the HEAD commit)
  --output FILE               write to FILE instead of stdout
  --config FILE               repository configuration (default: nearest .rollbackguard.yaml)
  -h, --help                  show this help

Exit status: 0 the report was written, 2 usage, configuration or git error.`;
