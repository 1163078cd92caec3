/**
 * The GitHub Action (action.yml) and its script (scripts/github-action.mjs),
 * run as the action runs it: a separate Node process in the example
 * repository on its pull request branch, with a pull_request event, and a
 * local server standing in for GitHub's issue comment API. The first run
 * posts the report, the next updates the same comment; the SARIF file and
 * the step outputs are written; a read-only token leaves the report in the
 * job summary.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { createDemoRepo } from '../../../scripts/demo-repo.mjs';
import { CLI } from '../../cli/run';
import { tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'github-action.mjs');
const MARKER = '<!-- rollback-guard:release-report -->';
const TOKEN = 'ghs_0123456789abcdefTOKEN';

interface Comment {
  id: number;
  body: string;
  html_url: string;
}

/** GitHub's issue comment endpoints for one repository, in memory. */
class FakeGitHub {
  comments: Comment[] = [{ id: 1, body: 'Looks good to me', html_url: 'https://github.example/c/1' }];
  requests: { method: string; url: string; authorization?: string }[] = [];
  /** Status to answer writes with (403: a read-only token). */
  writeStatus = 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string }) : undefined;
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'GET' && url.pathname === '/repos/bookstore/shop/issues/7/comments') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const per = Number(url.searchParams.get('per_page') ?? 30);
      return send(200, this.comments.slice((page - 1) * per, page * per));
    }
    if (this.writeStatus !== 200) return send(this.writeStatus, { message: 'Resource not accessible by integration' });
    if (req.method === 'POST' && url.pathname === '/repos/bookstore/shop/issues/7/comments' && body) {
      const id = Math.max(...this.comments.map((c) => c.id)) + 1;
      const comment = { id, body: body.body, html_url: `https://github.example/c/${id}` };
      this.comments.push(comment);
      return send(201, comment);
    }
    const patch = /^\/repos\/bookstore\/shop\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (req.method === 'PATCH' && patch && body) {
      const comment = this.comments.find((c) => c.id === Number(patch[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = body.body;
      return send(200, comment);
    }
    send(404, { message: 'Not Found' });
  }
}

let demo: ReturnType<typeof createDemoRepo>;
let api: FakeGitHub;
let work: string;

function git(args: string[]): string {
  const r = spawnSync('git', ['-C', demo.dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** Runs the action's script as the action's step does; returns its exit code, log and step outputs. */
async function runAction(event: object | undefined, extra: Record<string, string> = {}): Promise<{ code: number; log: string; outputs: Record<string, string>; summary: string; sarif: string }> {
  const dir = tempDir('rg-action-');
  const eventPath = join(dir, 'event.json');
  if (event) writeFileSync(eventPath, JSON.stringify(event));
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md'), sarif: join(dir, 'rollback-guard.sarif') };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_API_URL: api.url,
    GITHUB_REPOSITORY: 'bookstore/shop',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RG_TOKEN: TOKEN,
    RG_SARIF: files.sarif,
    RG_CLI: CLI,
    ...(event ? { GITHUB_EVENT_PATH: eventPath } : {}),
    ...extra,
  };
  const child = spawn(process.execPath, [SCRIPT], { cwd: demo.dir, env });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (log += d.toString('utf8')));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const outputs = Object.fromEntries(
    read(files.output)
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code, log, outputs, summary: read(files.summary), sarif: read(files.sarif) };
}

describe('the GitHub Action', () => {
  before(async () => {
    demo = createDemoRepo({ target: join(tempDir('rg-action-demo-'), 'repo') });
    work = demo.dir;
    api = new FakeGitHub();
    await api.start();
  });

  after(async () => {
    await api?.stop();
  });

  const pullRequest = () => ({ pull_request: { number: 7, base: { sha: git(['rev-parse', 'main']), ref: 'main' }, head: { ref: 'feature/drop-legacy-total' } } });

  it('posts the report as a comment, writes SARIF and the outputs, and says the check failed', async () => {
    const run = await runAction(pullRequest());
    assert.equal(run.code, 0, run.log);
    assert.equal(run.outputs['exit-code'], '1', run.log);
    assert.equal(run.outputs['rollback-class'], 'restore-required');
    assert.equal(run.outputs['sarif-file'], join(run.outputs['sarif-file']!));
    const sarif = JSON.parse(run.sarif) as { version: string; runs: { results: { ruleId: string }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.deepEqual([...new Set(sarif.runs[0]!.results.map((r) => r.ruleId))].sort(), ['RG106', 'RG202', 'RG210', 'RG301', 'RG302', 'RG303']);
    const ours = api.comments.filter((c) => c.body.startsWith(MARKER));
    assert.equal(ours.length, 1);
    assert.match(ours[0]!.body, /restore-required/);
    assert.match(ours[0]!.body, /RG303/);
    assert.equal(run.outputs['comment-url'], ours[0]!.html_url);
    assert.ok(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
    assert.ok(!run.log.includes(TOKEN), 'the token never reaches the log');
    assert.match(run.summary, /restore-required/);
  });

  it('a later run updates the same comment instead of adding one', async () => {
    const first = api.comments.find((c) => c.body.startsWith(MARKER))!;
    // The pull request gains a rollback plan: RG303 goes away from the report.
    writeFileSync(join(work, 'rollback-plan.yaml'), 'class: restore-required\nwindow: until the next release\nmethod: restore the orders table from the snapshot, then roll the image back\nirreversibleEffects: [legacy_total values]\nverification: [orders API error rate]\n');
    git(['add', 'rollback-plan.yaml']);
    git(['commit', '-q', '-m', 'Add the rollback plan']);
    const requests = api.requests.length;
    const run = await runAction(pullRequest());
    assert.equal(run.code, 0, run.log);
    const ours = api.comments.filter((c) => c.body.startsWith(MARKER));
    assert.equal(ours.length, 1, 'still one report comment');
    assert.equal(ours[0]!.id, first.id);
    assert.doesNotMatch(ours[0]!.body, /RG303/);
    assert.equal(api.comments.length, 2, 'the other comment is left alone');
    assert.deepEqual(
      api.requests.slice(requests).map((r) => r.method),
      ['GET', 'PATCH'],
    );
    assert.equal(run.outputs['comment-url'], first.html_url);
  });

  it('fail-on never: exit-code 0', async () => {
    const run = await runAction(pullRequest(), { RG_FAIL_ON: 'never' });
    assert.equal(run.outputs['exit-code'], '0', run.log);
  });

  it('a read-only token (a pull request from a fork) warns and keeps the report in the job summary', async () => {
    api.writeStatus = 403;
    try {
      const run = await runAction(pullRequest());
      assert.equal(run.code, 0, run.log);
      assert.match(run.log, /::warning title=Rollback Guard::could not post the report on the pull request \(PATCH .*403/);
      assert.match(run.summary, /restore-required/);
      assert.equal(run.outputs['comment-url'], undefined);
    } finally {
      api.writeStatus = 200;
    }
  });

  it('outside a pull request: no comment, the report in the job summary, the base from the configuration', async () => {
    const requests = api.requests.length;
    const run = await runAction({ ref: 'refs/heads/feature/drop-legacy-total' });
    assert.equal(run.code, 0, run.log);
    assert.equal(api.requests.length, requests, 'no API call');
    assert.match(run.log, /checking against auto/);
    assert.match(run.summary, /restore-required/);
  });

  it('a base that does not exist fails the step with the CLI\'s message', async () => {
    const run = await runAction(pullRequest(), { RG_BASE: 'no-such-branch' });
    assert.equal(run.code, 2, run.log);
    assert.match(run.log, /no-such-branch/);
  });

  it('action.yml runs this script with the inputs it declares and exposes the outputs it writes', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
      outputs: Record<string, { value: string }>;
      runs: { using: string; steps: { id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string>; if?: string }[] };
    };
    assert.equal(action.runs.using, 'composite');
    const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');
    for (const [, name] of text.matchAll(/inputs\.([\w-]+)/g)) assert.ok(name! in action.inputs, `inputs.${name} is declared`);
    const script = readFileSync(SCRIPT, 'utf8');
    const written = new Set([...script.matchAll(/output\('([\w-]+)'/g)].map((m) => m[1]));
    for (const [, name] of text.matchAll(/steps\.check\.outputs\.([\w-]+)/g)) assert.ok(written.has(name), `the script writes ${name}`);
    const check = action.runs.steps.find((s) => s.id === 'check')!;
    assert.match(check.run!, /scripts\/github-action\.mjs/);
    for (const [, name] of script.matchAll(/env\.(RG_[A-Z_]+)/g)) if (name !== 'RG_CLI') assert.ok(name! in check.env!, `${name} is set by the step`);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    assert.ok(upload, 'the SARIF goes to code scanning');
    assert.equal(upload.with?.sarif_file, '${{ steps.check.outputs.sarif-file }}');
  });
});
