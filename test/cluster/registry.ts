/**
 * A real OCI registry for the tests: the distribution project's `registry`
 * (github.com/distribution/distribution/v3, built from its Go module) on
 * loopback, with TLS (a self-signed certificate made by openssl) and either
 * basic auth (an htpasswd file; bcrypt, as the registry requires) or token
 * auth — the registry's own `auth.token`, which sends clients to a token
 * service: here a small one that checks the same user and password and signs
 * a JWT with the certificate the registry trusts (`x5c`), as docker_auth or
 * a cloud registry's token endpoint does. Images are pushed with the OCI
 * distribution API itself (blob uploads, a manifest PUT) and can be deleted
 * by digest, as a registry's garbage policy would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv } from '../../scripts/childEnv.mjs';

const MODULE = join(__dirname, 'registry');
/** Bump when the build steps change in a way that needs new binaries. */
const RECIPE = 1;

/**
 * The registry's binaries, built once from test/cluster/registry/go.mod into
 * `${ROLLBACK_GUARD_CACHE:-~/.cache/rollback-guard}/cluster/registry-<key>/bin`
 * (the key hashes the module files, the Go version and the recipe), only for
 * the suites that use it: the control plane's build never waits for it.
 */
export async function ensureRegistryBuilt(options: { log?: (line: string) => void } = {}): Promise<{ registry: string; htpasswd: string }> {
  const env = childEnv(process.env, { CGO_ENABLED: '0', GOWORK: 'off', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' });
  const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env });
  if (go.status !== 0) throw new Error(`go is needed to build the test registry: ${go.stderr || go.error?.message}`);
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', join('cmd', 'htpasswd', 'main.go')]) hash.update(readFileSync(join(MODULE, f)));
  hash.update(`${go.stdout.trim()}\n${RECIPE}`);
  const root = join(process.env.ROLLBACK_GUARD_CACHE ?? join(homedir(), '.cache', 'rollback-guard'), 'cluster', `registry-${hash.digest('hex').slice(0, 16)}`);
  const bin = join(root, 'bin');
  const out = { registry: join(bin, 'registry'), htpasswd: join(bin, 'htpasswd') };
  if (existsSync(out.registry) && existsSync(out.htpasswd)) return out;
  mkdirSync(root, { recursive: true });
  const partial = join(root, `bin.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);
  options.log?.(`building the registry from ${MODULE} (${go.stdout.trim()}) into ${bin}`);
  const started = Date.now();
  const built = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('go', ['build', '-trimpath', '-buildvcs=false', '-ldflags', '-s -w', '-o', `${partial}/`, 'github.com/distribution/distribution/v3/cmd/registry', './cmd/htpasswd'], { cwd: MODULE, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('close', (code) => resolve({ code, output }));
  });
  if (built.code !== 0) throw new Error(`building the registry failed:\n${built.output}`);
  // Another process may have finished first: either copy is the same build.
  if (!existsSync(out.registry)) renameSync(partial, bin);
  else rmSync(partial, { recursive: true, force: true });
  options.log?.(`registry built in ${Math.round((Date.now() - started) / 1000)} s`);
  return out;
}

export interface Registry {
  /** `127.0.0.1:<port>`: what image references start with. */
  host: string;
  /** PEM of the certificate the registry serves (its own CA). */
  caFile: string;
  username: string;
  password: string;
  /** Pushes a small image under `repository:tag`; returns its manifest digest. */
  push(repository: string, tag: string): Promise<string>;
  /** Deletes the manifest `digest` of `repository` (DELETE /v2/<name>/manifests/<digest>). */
  remove(repository: string, digest: string): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(host: string, ca: Buffer, auth: string, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const [hostname, port] = host.split(':');
    const req = request({ hostname, port: Number(port), method, path, ca, headers: { Authorization: auth, ...(body ? { 'Content-Length': String(body.length) } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Starts the registry; `bin` holds `registry` and `htpasswd` (the group's binaries). */
export async function startRegistry(bin: { registry: string; htpasswd: string }, options: { log?: (line: string) => void; auth?: 'basic' | 'token'; anonymousPull?: boolean } = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'rg-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const caFile = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const tls = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', caFile, '-days', '2', '-subj', '/CN=rg-test-registry', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
  if (tls.status !== 0) throw new Error(`openssl could not make the registry's certificate: ${tls.stderr}`);
  const username = 'rg-puller';
  const password = randomBytes(12).toString('hex');
  const line = spawnSync(bin.htpasswd, [username, password], { encoding: 'utf8' });
  if (line.status !== 0) throw new Error(`htpasswd failed: ${line.stderr}`);
  writeFileSync(join(dir, 'htpasswd'), line.stdout);
  mkdirSync(join(dir, 'data'));
  const tokens = options.auth === 'token' ? await tokenService(readFileSync(caFile), readFileSync(key), username, password, !!options.anonymousPull) : undefined;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: warn}',
      'storage:',
      `  filesystem: {rootdirectory: ${join(dir, 'data')}}`,
      '  delete: {enabled: true}',
      'http:',
      `  addr: ${host}`,
      `  tls: {certificate: ${caFile}, key: ${key}}`,
      'auth:',
      tokens
        ? `  token: {realm: "${tokens.realm}", service: rg-test-registry, issuer: rg-test-tokens, rootcertbundle: ${caFile}}`
        : `  htpasswd: {realm: rg-test-registry, path: ${join(dir, 'htpasswd')}}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(bin.registry, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const stopOnExit = () => child.kill('SIGKILL');
  process.on('exit', stopOnExit);
  const ca = readFileSync(caFile);
  // Pushing and deleting use a token with those rights on the repository when the registry takes tokens.
  const basicAuth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const authFor = (repository: string) => (tokens ? `Bearer ${tokens.sign(repository, repository ? ['pull', 'push', 'delete'] : [])}` : basicAuth);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const probe = await call(host, ca, authFor(''), 'GET', '/v2/').catch((e: Error) => ({ status: 0, headers: {}, body: e.message }));
    if (probe.status === 200) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the registry did not answer on ${host} (last: ${probe.status} ${probe.body}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  options.log?.(`registry on https://${host} (pid ${child.pid})`);

  const upload = async (repository: string, blob: Buffer): Promise<string> => {
    const digest = digestOf(blob);
    const auth = authFor(repository);
    const started = await call(host, ca, auth, 'POST', `/v2/${repository}/blobs/uploads/`);
    if (started.status !== 202) throw new Error(`blob upload refused: ${started.status} ${started.body}`);
    const location = new URL(String(started.headers.location), `https://${host}`);
    location.searchParams.set('digest', digest);
    const put = await call(host, ca, auth, 'PUT', `${location.pathname}${location.search}`, blob, { 'Content-Type': 'application/octet-stream' });
    if (put.status !== 201) throw new Error(`blob PUT refused: ${put.status} ${put.body}`);
    return digest;
  };

  return {
    host,
    caFile,
    username,
    password,
    async push(repository, tag) {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { tag } }, rootfs: { type: 'layers', diff_ids: [] } }));
      const layer = randomBytes(512);
      const configDigest = await upload(repository, config);
      const layerDigest = await upload(repository, layer);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
        }),
      );
      const put = await call(host, ca, authFor(repository), 'PUT', `/v2/${repository}/manifests/${tag}`, manifest, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      if (put.status !== 201) throw new Error(`manifest PUT refused: ${put.status} ${put.body}`);
      return String(put.headers['docker-content-digest'] ?? digestOf(manifest));
    },
    async remove(repository, digest) {
      const del = await call(host, ca, authFor(repository), 'DELETE', `/v2/${repository}/manifests/${digest}`);
      if (del.status !== 202) throw new Error(`manifest DELETE refused: ${del.status} ${del.body}`);
    },
    async stop() {
      tokens?.close();
      process.off('exit', stopOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * The token service of a registry in token mode (distribution's "token
 * authentication specification"): GET ?service=&scope=repository:<name>:pull
 * with Basic credentials answers {"token": <JWT>} granting what was asked
 * (pull, push) when the credentials are right, and nothing when they are
 * absent — or, with `anonymousPull`, pull, as a public registry answers an
 * anonymous client (ghcr.io, Docker Hub); wrong credentials get a 401. The
 * JWT is RS256, signed with the registry's own key, its certificate in
 * `x5c` (the registry trusts it: rootcertbundle).
 */
async function tokenService(certPem: Buffer, keyPem: Buffer, username: string, password: string, anonymousPull: boolean): Promise<{ realm: string; sign(repository: string, actions: string[]): string; close(): void }> {
  const { createServer: createHttpsServer } = await import('node:https');
  const { createSign, X509Certificate } = await import('node:crypto');
  const der = new X509Certificate(certPem).raw.toString('base64');
  const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
  const sign = (repository: string, actions: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der] };
    const claims = { iss: 'rg-test-tokens', sub: username, aud: 'rg-test-registry', exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access: actions.length ? [{ type: 'repository', name: repository, actions }] : [] };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(keyPem).toString('base64url')}`;
  };
  const server = createHttpsServer({ cert: certPem, key: keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const given = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, pass] = given ? Buffer.from(given, 'base64').toString('utf8').split(':') : [];
    if (given && (user !== username || pass !== password)) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const scope = /^repository:([^:]+):(.+)$/.exec(url.searchParams.get('scope') ?? '');
    const actions = scope ? scope[2]!.split(',').filter((a) => (given ? a === 'pull' || a === 'push' : anonymousPull && a === 'pull')) : [];
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: sign(scope?.[1] ?? '', actions) }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { realm: `https://127.0.0.1:${port}/token`, sign, close: () => server.close() };
}
