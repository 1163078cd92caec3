#!/usr/bin/env node
// The GitHub Action's step (action.yml at the repository root): on a pull
// request, `check --base` the pull request's base into a SARIF file for code
// scanning, and post `report` as one pull request comment that later runs
// update instead of adding another. Outside a pull request the report goes to
// the job summary. Plain Node (no dependencies): the action runs it with the
// Node that actions/setup-node installed.
//
// Inputs come from the environment (action.yml sets them):
//   RG_BASE          base ref or sha (default: the pull request's base sha, else `auto`)
//   RG_FAIL_ON       error|warning|info|hint|never (default: error)
//   RG_SARIF         where to write the SARIF file (default: rollback-guard.sarif)
//   RG_COMMENT       true|false: post the report on the pull request (default: true)
//   RG_TOKEN         token for the comment (GITHUB_TOKEN with pull-requests: write)
//   RG_CLI           the built CLI (default: dist/cli.js next to this script)
// and GitHub's own: GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
//
// Outputs: sarif-file, rollback-class, comment-url, exit-code (what
// `check --fail-on` exited with; the action's last step fails the job on 1).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPORT_MARKER = '<!-- rollback-guard:release-report -->';
/** GitHub refuses a comment body longer than this. */
const MAX_COMMENT = 65_536;

const env = process.env;
const here = dirname(fileURLToPath(import.meta.url));

function log(line) {
  process.stdout.write(`${line}\n`);
}

function warning(message) {
  process.stdout.write(`::warning title=Rollback Guard::${message.replace(/%/g, '%25').replace(/\r?\n/g, '%0A')}\n`);
}

function output(name, value) {
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${name}=${String(value).replace(/\r?\n/g, ' ')}\n`);
}

function summary(markdown) {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}

function readEvent() {
  if (!env.GITHUB_EVENT_PATH || !existsSync(env.GITHUB_EVENT_PATH)) return {};
  return JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
}

/** Runs the CLI with an argv array; its stderr goes to the log as it is. */
function rollbackGuard(cli, args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...env, NO_COLOR: '1' } });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.error) throw r.error;
  return { code: r.status ?? 2, stdout: r.stdout };
}

async function github(method, path, token, body) {
  const api = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/$/, '');
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'rollback-guard-action',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The report comment of an earlier run (its body starts with the marker), else undefined. */
async function findComment(repository, issue, token) {
  for (let page = 1; page <= 50; page++) {
    const comments = await github('GET', `/repos/${repository}/issues/${issue}/comments?per_page=100&page=${page}`, token);
    const found = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(REPORT_MARKER));
    if (found) return found;
    if (comments.length < 100) return undefined;
  }
  return undefined;
}

/** Posts the report, or updates the comment an earlier run posted; returns its URL. */
export async function upsertComment({ repository, issue, token, body }) {
  const text = body.length > MAX_COMMENT ? `${body.slice(0, MAX_COMMENT - 200)}\n\n… the report is longer than a comment holds: run \`rollback-guard report\` for all of it.\n` : body;
  const existing = await findComment(repository, issue, token);
  if (existing) return (await github('PATCH', `/repos/${repository}/issues/comments/${existing.id}`, token, { body: text })).html_url;
  return (await github('POST', `/repos/${repository}/issues/${issue}/comments`, token, { body: text })).html_url;
}

export async function main() {
  const event = readEvent();
  const pull = event.pull_request;
  const base = env.RG_BASE || pull?.base?.sha || 'auto';
  const failOn = env.RG_FAIL_ON || 'error';
  const sarifFile = resolve(env.RG_SARIF || 'rollback-guard.sarif');
  const cli = env.RG_CLI || join(here, '..', 'dist', 'cli.js');

  log(`Rollback Guard: checking against ${base}${pull ? ` (pull request #${pull.number})` : ''}`);
  const check = rollbackGuard(cli, ['check', '--base', base, '--format', 'sarif', '--fail-on', failOn]);
  if (check.code !== 0 && check.code !== 1) {
    log(`Rollback Guard could not check the branch (exit ${check.code}): see the message above.`);
    return check.code;
  }
  writeFileSync(sarifFile, check.stdout);
  const results = JSON.parse(check.stdout).runs?.[0]?.results ?? [];
  log(`${results.length} finding${results.length === 1 ? '' : 's'}; SARIF written to ${sarifFile}`);
  output('sarif-file', sarifFile);
  output('exit-code', check.code);

  const json = rollbackGuard(cli, ['report', '--base', base, '--format', 'json']);
  if (json.code === 0) output('rollback-class', JSON.parse(json.stdout).rollbackClass ?? 'none');
  const report = rollbackGuard(cli, ['report', '--base', base]);
  if (report.code !== 0) {
    warning(`rollback-guard report exited ${report.code}; no report posted.`);
    return 0;
  }
  summary(report.stdout);

  if (pull && env.RG_COMMENT !== 'false') {
    if (!env.RG_TOKEN) warning('no token: set the github-token input to post the report on the pull request.');
    else if (!env.GITHUB_REPOSITORY) warning('GITHUB_REPOSITORY is not set: the report is only in the job summary.');
    else {
      try {
        const url = await upsertComment({ repository: env.GITHUB_REPOSITORY, issue: pull.number, token: env.RG_TOKEN, body: report.stdout });
        output('comment-url', url);
        log(`Report: ${url}`);
      } catch (error) {
        // A pull request from a fork gets a read-only token: the report stays in the job summary.
        warning(`could not post the report on the pull request (${error.message}); it is in the job summary.`);
      }
    }
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`Rollback Guard action: ${error.stack ?? error}\n`);
      process.exit(2);
    },
  );
}
