/**
 * A Git server on loopback for the GitOps controllers of the test plane:
 * real `git http-backend` (Git's own smart-HTTP CGI program) behind a small
 * Node HTTP server, serving the bare repositories under one directory. Clone,
 * fetch and push work as against any Git host (`http://127.0.0.1:<port>/<repo>.git`);
 * nothing of the protocol is reimplemented here.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { childEnv } from '../childEnv.mjs';

export interface GitServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The directory holding the bare repositories. */
  root: string;
  /** `http://127.0.0.1:<port>/<name>.git` */
  repoUrl(name: string): string;
  /** Creates an empty bare repository `<name>.git` (default branch main) and returns its URL. */
  createRepo(name: string): string;
  /** Requests served so far (method and path), for tests that check the controllers fetched. */
  requests(): { method: string; path: string; status: number }[];
  stop(): Promise<void>;
}

/**
 * Runs git with an argv array (asynchronously: the server answering it may
 * live in the same process); rejects with stderr on failure.
 */
export function git(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      env: childEnv({ GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', ...opts.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => reject(new Error(`cannot run git: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`git ${args.join(' ')} failed (${code}): ${err}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Splits a CGI response into its headers and the start of its body. */
function splitCgi(buf: Buffer): { headers: [string, string][]; status: number; body: Buffer } | undefined {
  let end = buf.indexOf('\r\n\r\n');
  let sep = 4;
  if (end < 0) {
    end = buf.indexOf('\n\n');
    sep = 2;
  }
  if (end < 0) return undefined;
  const headers: [string, string][] = [];
  let status = 200;
  for (const line of buf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { headers, status, body: buf.subarray(end + sep) };
}

export async function startGitServer(root: string, opts: { log?: (line: string) => void; port?: number } = {}): Promise<GitServer> {
  fs.mkdirSync(root, { recursive: true });
  const served: { method: string; path: string; status: number }[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      // A REMOTE_USER lets http-backend accept pushes (receive-pack) without repository configuration.
      REMOTE_USER: 'rollback-guard-test',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    };
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let head: Buffer = Buffer.alloc(0);
    let started = false;
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (started) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = splitCgi(head);
      if (!parsed) return;
      started = true;
      for (const [k, v] of parsed.headers) res.setHeader(k, v);
      res.writeHead(parsed.status);
      served.push({ method: req.method ?? 'GET', path: url.pathname + url.search, status: parsed.status });
      if (parsed.body.length) res.write(parsed.body);
    });
    child.on('close', (code) => {
      if (!started) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`git http-backend exited ${code}: ${stderr}`);
        served.push({ method: req.method ?? 'GET', path: url.pathname, status: 500 });
      } else res.end();
      if (stderr.trim()) opts.log?.(`git http-backend ${url.pathname}: ${stderr.trim()}`);
    });
    child.on('error', (e) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
    child.stdin.on('error', () => undefined);
    req.pipe(child.stdin);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    root,
    repoUrl: (name) => `${base}/${name}.git`,
    createRepo(name) {
      const dir = path.join(root, `${name}.git`);
      const r = spawnSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir], { encoding: 'utf8', env: childEnv({ GIT_CONFIG_NOSYSTEM: '1' }) });
      if (r.status !== 0) throw new Error(`git init --bare ${dir} failed: ${r.stderr}`);
      return `${base}/${name}.git`;
    },
    requests: () => [...served],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// `node --import tsx scripts/cluster/gitServer.ts ROOT PORT`: serve ROOT until SIGTERM (the demo runs it detached).
if (require.main === module) {
  const [root, port] = process.argv.slice(2);
  if (!root || !port) {
    console.error('usage: gitServer.ts ROOT PORT');
    process.exit(2);
  }
  startGitServer(path.resolve(root), { port: Number(port) }).then(
    (server) => {
      console.log(`serving ${server.root} at ${server.url}`);
      const stop = (): void => void server.stop().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
