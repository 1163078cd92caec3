/**
 * "The artifact is still there": before a rollback, every image of the
 * target revision is looked up in its registry with the OCI distribution API
 * — a HEAD of the manifest by digest (or by tag when the image has none) —
 * with the credentials the kubelet would use (the pod's imagePullSecrets and
 * its service account's) and the registry's token flow (a 401 naming a
 * Bearer realm is answered by fetching a token scoped to pull that
 * repository). A 404 means the image is gone: the rollback's pods would never
 * start, so it blocks, naming the digest. A registry that cannot be reached
 * or will not let us in makes the answer "unknown", never a block by itself.
 *
 * TLS is Node's: the system CAs plus NODE_EXTRA_CA_CERTS (how a private
 * registry's CA is trusted).
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { KubeClient, KubeObject } from '../client';
import type { ClusterError } from '../errors';
import type { PreflightCheck } from '../preflight';
import type { ContainerImage, PodTemplate } from '../template';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface ImageLocation {
  /** As written in the pod spec. */
  image: string;
  /** Registry host (and port) as the kubelet contacts it: `registry-1.docker.io` for Docker Hub. */
  host: string;
  /** The host as credentials name it: `docker.io` for Docker Hub. */
  authHost: string;
  repository: string;
  /** The digest when the image has one, else the tag (default `latest`). */
  reference: string;
  digest?: string;
  tag?: string;
}

/** Where an image lives, as containerd resolves a reference (docker.io and library/ defaults). */
export function locate(image: string): ImageLocation {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const authHost = hasHost ? first : 'docker.io';
  let repository = hasHost ? rest.slice(slash + 1) : rest;
  if (authHost === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  const host = authHost === 'docker.io' ? 'registry-1.docker.io' : authHost;
  return { image, host, authHost, repository, reference: digest ?? tag ?? 'latest', ...(digest ? { digest } : {}), ...(tag ? { tag } : {}) };
}

export interface RegistryCredential {
  username?: string;
  password?: string;
  /** An identity token (auth via refresh token) or a registry token. */
  token?: string;
  /** Which Secret it came from, for the evidence. */
  from: string;
}

/** Index of the last line terminator (where `.` stops), or -1. */
function lastLineTerminator(text: string): number {
  return Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'), text.lastIndexOf('\u2028'), text.lastIndexOf('\u2029'));
}

/** Normalises a key of a docker config's `auths` to a host: `https://index.docker.io/v1/` → `docker.io`. */
export function authKeyHost(key: string): string {
  const rest = key.replace(/^[a-z]+:\/\//, '');
  // Up to the first `/` after the last line break (what `/\/.*$/` removed, without retrying from every `/`).
  const slash = rest.indexOf('/', lastLineTerminator(rest) + 1);
  const host = slash === -1 ? rest : rest.slice(0, slash);
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** The credentials of `.dockerconfigjson` / `.dockercfg` Secrets, by host. */
export function credentialsOf(secrets: readonly KubeObject[]): Map<string, RegistryCredential> {
  const out = new Map<string, RegistryCredential>();
  for (const s of secrets) {
    const data = (s.data ?? {}) as Record<string, string>;
    const raw = data['.dockerconfigjson'] ?? data['.dockercfg'];
    if (!raw) continue;
    let parsed: { auths?: Record<string, Entry> } & Record<string, Entry>;
    try {
      parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as typeof parsed;
    } catch {
      continue;
    }
    const auths = (data['.dockerconfigjson'] ? parsed.auths : parsed) ?? {};
    for (const [key, entry] of Object.entries(auths)) {
      if (!entry || typeof entry !== 'object') continue;
      let username = entry.username;
      let password = entry.password;
      if ((!username || !password) && entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) {
          username = decoded.slice(0, i);
          password = decoded.slice(i + 1);
        }
      }
      const host = authKeyHost(key);
      // The kubelet tries the pod's secrets in order: the first match wins.
      if (!out.has(host)) out.set(host, { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(entry.identitytoken ? { token: entry.identitytoken } : entry.registrytoken ? { token: entry.registrytoken } : {}), from: `Secret ${s.metadata.name}` });
    }
  }
  return out;
}

interface Entry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(url: URL, method: 'HEAD' | 'GET', headers: Record<string, string>, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, { method, headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 65_536) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
export function challenge(header: string | undefined): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  // The scheme, then the parameters: each name starts where a word starts (no retry inside a long word).
  const text = header.trim();
  const scheme = /^\w+/.exec(text)?.[0];
  const rest = text.slice(scheme?.length ?? 0).trimStart();
  if (!scheme || /[\n\r\u2028\u2029]/.test(rest)) return undefined;
  const params: Record<string, string> = {};
  for (const p of rest.matchAll(/(?<!\w)(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: scheme.toLowerCase(), params };
}

export type ImageAnswer =
  | { state: 'present'; digest?: string; how: string }
  | { state: 'missing'; how: string }
  | { state: 'unknown'; why: string };

function basic(c: RegistryCredential): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/** A HEAD of the image's manifest, answering a Bearer or Basic challenge with `credential` when there is one. */
export async function headManifest(loc: ImageLocation, credential: RegistryCredential | undefined, options: { timeoutMs?: number; scheme?: 'https' | 'http' } = {}): Promise<ImageAnswer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const url = new URL(`${options.scheme ?? 'https'}://${loc.host}/v2/${loc.repository}/manifests/${loc.reference}`);
  const accept = { Accept: MANIFEST_TYPES, 'User-Agent': 'rollback-guard' };
  const verdict = (a: HttpAnswer, how: string): ImageAnswer => {
    if (a.status >= 200 && a.status < 300) {
      const digest = a.headers['docker-content-digest'];
      return { state: 'present', ...(typeof digest === 'string' ? { digest } : {}), how };
    }
    if (a.status === 404) return { state: 'missing', how };
    if (a.status === 401 || a.status === 403) return { state: 'unknown', why: `the registry refused ${credential ? `the credentials of ${credential.from}` : 'anonymous access'} (HTTP ${a.status})` };
    return { state: 'unknown', why: `the registry answered HTTP ${a.status}` };
  };
  try {
    const first = await send(url, 'HEAD', accept, timeoutMs);
    if (first.status !== 401) return verdict(first, credential ? 'anonymous' : 'anonymous');
    const ch = challenge(first.headers['www-authenticate'] as string | undefined);
    if (ch?.scheme === 'basic') {
      if (!credential?.username) return { state: 'unknown', why: 'the registry asks for a login, and no imagePullSecret has one for it' };
      return verdict(await send(url, 'HEAD', { ...accept, Authorization: basic(credential) }, timeoutMs), `basic auth from ${credential.from}`);
    }
    if (ch?.scheme === 'bearer' && ch.params.realm) {
      // The token flow (distribution's token authentication): a token scoped to pull this repository.
      const realm = new URL(ch.params.realm);
      if (ch.params.service) realm.searchParams.set('service', ch.params.service);
      realm.searchParams.set('scope', ch.params.scope ?? `repository:${loc.repository}:pull`);
      const tokenHeaders: Record<string, string> = { 'User-Agent': 'rollback-guard', ...(credential?.username ? { Authorization: basic(credential) } : {}) };
      const answer = await send(realm, 'GET', tokenHeaders, timeoutMs);
      if (answer.status !== 200) return { state: 'unknown', why: `the registry's token service refused ${credential ? `the credentials of ${credential.from}` : 'anonymous access'} (HTTP ${answer.status})` };
      const body = JSON.parse(answer.body) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) return { state: 'unknown', why: "the registry's token service gave no token" };
      return verdict(await send(url, 'HEAD', { ...accept, Authorization: `Bearer ${token}` }, timeoutMs), `a token from ${realm.origin}${credential ? ` for ${credential.from}` : ''}`);
    }
    return { state: 'unknown', why: 'the registry asks for an authentication it does not name' };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { state: 'unknown', why: `the registry ${loc.host} could not be reached: ${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}` };
  }
}

/** The pull secrets the kubelet uses for a pod: its own imagePullSecrets, then its service account's. */
export async function pullSecrets(client: KubeClient, namespace: string, spec: { imagePullSecrets?: { name?: string }[]; serviceAccountName?: string; serviceAccount?: string }): Promise<{ secrets: KubeObject[]; notes: string[] }> {
  const names = (spec.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => !!n);
  const notes: string[] = [];
  const sa = spec.serviceAccountName ?? spec.serviceAccount ?? 'default';
  const account = await client.request<KubeObject>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(sa)}` });
  if (account.ok) {
    for (const s of (account.value as { imagePullSecrets?: { name?: string }[] }).imagePullSecrets ?? []) if (s.name && !names.includes(s.name)) names.push(s.name);
  } else if (account.error.kind !== 'not-found') notes.push(`service account ${sa} could not be read: ${account.error.message}`);
  const secrets: KubeObject[] = [];
  for (const name of names) {
    const got = await client.request<KubeObject>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}` });
    if (got.ok) secrets.push(got.value);
    else notes.push(`pull secret ${name} could not be read: ${got.error.message}`);
  }
  return { secrets, notes };
}

const short = (digest: string) => (digest.length > 19 ? `${digest.slice(0, 19)}…` : digest);

/**
 * The `artifacts` check: each image of the target revision looked up in its
 * registry, with the pull secrets of the pod that runs it. `pods` are the
 * revision's pod specs with their images (one for a workload; one per
 * workload of a Helm release).
 */
export async function artifactsCheck(client: KubeClient, input: { revision: string; namespace: string; pods: readonly { images: readonly ContainerImage[]; spec?: PodTemplate['spec'] }[]; timeoutMs?: number; scheme?: 'https' | 'http' }): Promise<{ check: PreflightCheck; error?: ClusterError }> {
  const seen = new Set<string>();
  const jobs: { image: ContainerImage; spec: PodTemplate['spec'] | undefined }[] = [];
  for (const pod of input.pods) for (const i of pod.images) if (i.image && !seen.has(i.image)) (seen.add(i.image), jobs.push({ image: i, spec: pod.spec }));
  if (jobs.length === 0) return { check: { id: 'artifacts', status: 'skipped', title: `${input.revision} names no image`, evidence: [] } };
  const notes: string[] = [];
  const credentialsFor = new Map<PodTemplate['spec'] | undefined, Promise<Map<string, RegistryCredential>>>();
  const credentials = (spec: PodTemplate['spec'] | undefined) => {
    let c = credentialsFor.get(spec);
    if (!c) {
      c = pullSecrets(client, input.namespace, (spec ?? {}) as Parameters<typeof pullSecrets>[2]).then((r) => {
        notes.push(...r.notes.filter((n) => !notes.includes(n)));
        return credentialsOf(r.secrets);
      });
      credentialsFor.set(spec, c);
    }
    return c;
  };
  const answers = await Promise.all(
    jobs.map(async ({ image, spec }) => {
      const loc = locate(image.image);
      const credential = (await credentials(spec)).get(loc.authHost);
      return { image, loc, answer: await headManifest(loc, credential, { ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}), ...(input.scheme ? { scheme: input.scheme } : {}) }) };
    }),
  );
  const evidence = answers.map(({ image, loc, answer }) =>
    answer.state === 'present'
      ? `${image.container}: ${image.image} is in ${loc.host}${answer.digest && !loc.digest ? ` (tag ${loc.tag ?? 'latest'} → ${short(answer.digest)})` : ''}, checked with ${answer.how}`
      : answer.state === 'missing'
        ? `${image.container}: ${image.image} is gone from ${loc.host}: the manifest ${loc.digest ? short(loc.digest) : `tag ${loc.reference}`} answers 404 (checked with ${answer.how})`
        : `${image.container}: ${image.image}: unknown — ${answer.why}`,
  );
  evidence.push(...notes);
  const missing = answers.filter((a) => a.answer.state === 'missing');
  const unknown = answers.filter((a) => a.answer.state === 'unknown');
  if (missing.length) {
    const first = missing[0]!;
    const error: ClusterError = {
      kind: 'artifact-missing',
      message: `${input.revision} runs ${missing.map((m) => (m.loc.digest ? `${m.loc.repository}@${short(m.loc.digest)}` : `${m.loc.repository}:${m.loc.reference}`)).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} no longer in ${first.loc.host}: its pods could not pull ${missing.length === 1 ? 'it' : 'them'}`,
      hint: 'Push the image back (or restore it from a backup registry) under the same digest, then check again; or roll back to a revision whose images still exist.',
    };
    return { check: { id: 'artifacts', status: 'fail', title: error.message, evidence, error }, error };
  }
  if (unknown.length) return { check: { id: 'artifacts', status: 'skipped', title: `${unknown.length} of ${answers.length} image${answers.length === 1 ? '' : 's'} of ${input.revision} could not be checked in ${[...new Set(unknown.map((u) => u.loc.host))].join(', ')}: unknown, not a block`, evidence } };
  return { check: { id: 'artifacts', status: 'pass', title: `every image of ${input.revision} is still in its registry (${answers.length} checked)`, evidence } };
}
