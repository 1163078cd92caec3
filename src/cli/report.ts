import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderMarkdown, toReleaseJson } from '../core/release';
import { oneOf, parse } from './args';
import { analyzeBranch } from './branch';
import { loadConfig } from './config';
import type { CliIO } from './io';

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

const FORMATS = ['markdown', 'json'] as const;

export async function report(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    base: { type: 'string' },
    format: { type: 'string' },
    worktree: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(`${REPORT_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'markdown');
  const { config, file } = loadConfig(io.cwd, values.config);
  const run = await analyzeBranch(io, { base: values.base, config, configDir: file ? dirname(file) : undefined, worktree: values.worktree === true, paths: positionals });
  const text = format === 'json' ? toReleaseJson(run.analysis) : renderMarkdown(run.analysis);
  for (const note of run.analysis.notes) io.err(`note: ${note}\n`);
  if (values.output) writeFileSync(resolve(io.cwd, values.output), text);
  else io.out(text);
  return 0;
}
