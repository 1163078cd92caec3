import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isIgnoredPath } from '../core/config';
import { Engine } from '../core/engine';
import { compareFindings, reaches, type Finding, type Severity } from '../core/model';
import { buildProjectContext } from '../core/project';
import { toGithub } from '../core/report/github';
import { toJson } from '../core/report/json';
import { toSarif } from '../core/report/sarif';
import { summarize } from '../core/report/summary';
import { formatText } from '../core/report/text';
import { oneOf, parse } from './args';
import { loadConfig } from './config';
import { scan } from './scan';
import type { CliIO } from './io';

export const CHECK_USAGE = `Usage: rollback-guard check [path…] [options]

Reports rollback risks in Kubernetes manifests and migrations.

Options:
  --format text|json|sarif|github   output format (default: text)
  --fail-on error|warning|info|hint|never
                                    exit 1 when a finding is at least this severe (default: error)
  --config FILE                     repository configuration (default: nearest .rollbackguard.yaml)
  -h, --help                        show this help

Exit status: 0 nothing reaches --fail-on, 1 something does, 2 usage or configuration error.`;

const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
const FAIL_ON = ['error', 'warning', 'info', 'hint', 'never'] as const;

export async function check(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string' },
    'fail-on': { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(`${CHECK_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  const failOn = oneOf('fail-on', values['fail-on'], FAIL_ON, 'error');
  const { config, file: configFile } = loadConfig(io.cwd, values.config);

  const probe = new Engine({ config });
  const scanned = scan(positionals.length > 0 ? positionals : ['.'], {
    cwd: io.cwd,
    handles: (path) => probe.handles(path),
    ignored: (path) => isIgnoredPath(config, path),
    ignoreRoot: configFile ? dirname(configFile) : io.cwd,
    maxBytes: config.maxFileSizeKb * 1024,
  });
  const engine = new Engine({
    config,
    project: buildProjectContext(scanned.kustomizations),
    readFile: (path) => {
      try {
        return readFileSync(resolve(io.cwd, path), 'utf8');
      } catch {
        return undefined;
      }
    },
  });
  const findings: Finding[] = [];
  for (const file of scanned.files) findings.push(...(await engine.analyze({ path: file.path, text: file.text })).findings);
  findings.sort(compareFindings);

  const summary = summarize(findings, scanned.files.length, scanned.skipped);
  for (const s of scanned.skipped) io.err(`note: skipped ${s.file}: ${s.reason}\n`);
  switch (format) {
    case 'text':
      io.out(formatText(findings, summary, { color: io.color }));
      break;
    case 'json':
      io.out(toJson(findings, summary));
      break;
    case 'sarif':
      io.out(toSarif(findings, { toolVersion: io.version }));
      break;
    case 'github':
      io.out(toGithub(findings));
      break;
  }
  return failOn !== 'never' && findings.some((f) => reaches(f.severity, failOn as Severity)) ? 1 : 0;
}
