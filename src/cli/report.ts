import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { redact } from '../core/redact';
import { renderMarkdown, toReleaseJson } from '../core/release';
import { oneOf, parse } from './args';
import { analyzeBranch } from './branch';
import { loadConfig } from './config';
import type { CliIO } from './io';
import { REPORT_USAGE } from './reportUsage';

export { REPORT_USAGE };

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
  // A file is an output too: the same redaction as standard output.
  if (values.output) writeFileSync(resolve(io.cwd, values.output), redact(text));
  else io.out(text);
  return 0;
}
