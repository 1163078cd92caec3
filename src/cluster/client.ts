/**
 * A small REST client for the Kubernetes API. Credentials and TLS come from
 * @kubernetes/client-node's KubeConfig (tokens, client certificates, exec and
 * auth-provider plugins, proxies); requests go through one keep-alive agent
 * and return raw JSON, so objects keep every field the server sent (a typed
 * model would drop fields it does not know, and a rollback must copy the pod
 * template exactly). Every call is counted, for the benchmark and for tests
 * that assert "one LIST per kind".
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { fail, ok, type ClusterError, type Result } from './errors';
import { kubeConfigFor, resolveContext, type ContextInfo, type LoadedKubeconfig } from './kubeconfig';
import { trimEndOf } from '../core/text';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ApiCall {
  verb: Verb;
  /** `deployments.apps`, `replicasets.apps`, `selfsubjectaccessreviews.authorization.k8s.io`, … */
  resource: string;
  namespace?: string;
  name?: string;
  /** HTTP status, 0 when no answer came. */
  status: number;
  ms: number;
  dryRun?: boolean;
}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** An API object as the server sent it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export interface ClientOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Called after every API call (for progress, logs, counting). */
  onCall?: (call: ApiCall) => void;
  userAgent?: string;
}

interface Auth {
  headers: Record<string, string>;
  agent: http.Agent;
  secrets: string[];
}

/** The parts of an API path: `/apis/apps/v1/namespaces/x/deployments/web/status`. */
export function describePath(path: string): { group: string; resource: string; namespace?: string; name?: string; subresource?: string } {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  let i = 0;
  let group = '';
  if (parts[0] === 'api') i = 2;
  else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    i = 3;
  }
  let namespace: string | undefined;
  if (parts[i] === 'namespaces' && parts.length > i + 2) {
    namespace = parts[i + 1];
    i += 2;
  }
  const resource = parts[i] ?? '';
  const name = parts[i + 1];
  const subresource = parts[i + 2];
  return { group, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
}

function verbOf(method: string, path: string, query: ApiRequest['query']): Verb {
  const { name } = describePath(path);
  switch (method) {
    case 'GET':
      return query?.watch ? 'watch' : name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    default:
      return 'delete';
  }
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'DNS lookup failed',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
};

export class KubeClient {
  readonly server: string;
  /** Every call made, in order (the benchmark and tests count them). */
  readonly calls: ApiCall[] = [];
  private auth?: Promise<Result<Auth>>;
  private readonly timeoutMs: number;

  private constructor(
    readonly context: ContextInfo,
    private readonly kc: KubeConfig,
    private readonly options: ClientOptions,
  ) {
    this.server = trimEndOf(context.server!, '/');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** A client for `context` (default: current-context). Fails only on configuration problems; nothing is sent yet. */
  static create(config: LoadedKubeconfig, context?: string, options: ClientOptions = {}): Result<KubeClient> {
    const resolved = resolveContext(config, context);
    if (!resolved.ok) return resolved;
    return ok(new KubeClient(resolved.value, kubeConfigFor(config, resolved.value.name), options));
  }

  /** Credentials in use (bearer tokens), so logs and records can mask them wherever they appear. */
  async secrets(): Promise<string[]> {
    const auth = await this.resolveAuth();
    return auth.ok ? auth.value.secrets : [];
  }

  /** Calls since `from` (an index into `calls`), grouped as `verb resource` → count. */
  countCalls(from = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls.slice(from)) {
      const key = `${c.verb} ${c.resource}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  close(): void {
    void this.auth?.then((a) => {
      if (a.ok) a.value.agent.destroy();
    });
  }

  private resolveAuth(refresh = false): Promise<Result<Auth>> {
    if (!this.auth || refresh) {
      const previous = this.auth;
      this.auth = this.loadAuth();
      void previous?.then((a) => {
        if (a.ok) a.value.agent.destroy();
      });
    }
    return this.auth;
  }

  private async loadAuth(): Promise<Result<Auth>> {
    const opts: https.RequestOptions = { headers: {} };
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (error) {
      const what = this.context.auth === 'exec' ? `the exec credential plugin "${this.context.execCommand ?? '?'}"` : 'loading the credentials';
      return fail('unauthorized', `context "${this.context.name}": ${what} failed: ${(error as Error).message.trim()}`, 'Run the plugin by hand to see why (it may need a login), or pick another context.');
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const secrets: string[] = [];
    const authz = headers.Authorization;
    if (authz) secrets.push(authz.replace(/^(Bearer|Basic)\s+/i, ''));
    const cluster = this.kc.getCurrentCluster();
    let agent: http.Agent;
    if (cluster?.proxyUrl && opts.agent) {
      // client-node builds the proxy agent (socks/http/https); keep it.
      agent = opts.agent as http.Agent;
    } else if (this.server.startsWith('http:')) {
      agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    } else {
      agent = new https.Agent({
        keepAlive: true,
        maxSockets: 32,
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.cert ? { cert: opts.cert } : {}),
        ...(opts.key ? { key: opts.key } : {}),
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
        ...(opts.servername ? { servername: opts.servername } : {}),
      });
    }
    return ok({ headers, agent, secrets });
  }

  /** One API call; JSON in and out. A 401 re-reads the credentials once (an exec plugin's token may have expired). */
  async request<T = KubeObject>(req: ApiRequest): Promise<Result<T>> {
    let result = await this.send<T>(req, false);
    if (!result.ok && result.error.status === 401 && (this.context.auth === 'exec' || this.context.auth === 'auth-provider')) {
      result = await this.send<T>(req, true);
    }
    // A keep-alive socket the server closed while idle: retry reads once.
    if (!result.ok && (req.method ?? 'GET') === 'GET' && result.error.code === 'ECONNRESET') result = await this.send<T>(req, false);
    return result;
  }

  private url(path: string, query?: ApiRequest['query']): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private record(method: string, req: ApiRequest, status: number, started: number): void {
    const p = describePath(req.path);
    const call: ApiCall = {
      verb: verbOf(method, req.path, req.query),
      resource: p.group ? `${p.resource}.${p.group}` : p.resource,
      ...(p.namespace ? { namespace: p.namespace } : {}),
      ...(p.name ? { name: p.name } : {}),
      status,
      ms: Date.now() - started,
      ...(req.query?.dryRun ? { dryRun: true } : {}),
    };
    this.calls.push(call);
    this.options.onCall?.(call);
  }

  private async send<T>(req: ApiRequest, refreshAuth: boolean): Promise<Result<T>> {
    const auth = await this.resolveAuth(refreshAuth);
    if (!auth.ok) return auth;
    const method = req.method ?? 'GET';
    const url = this.url(req.path, req.query);
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const started = Date.now();
    return new Promise<Result<T>>((resolve) => {
      let settled = false;
      const finish = (r: Result<T>, status: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        this.record(method, req, status, started);
        resolve(r);
      };
      const headers: Record<string, string> = {
        ...auth.value.headers,
        Accept: 'application/json',
        'User-Agent': this.options.userAgent ?? 'rollback-guard',
      };
      if (body !== undefined) {
        headers['Content-Type'] = req.contentType ?? 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const mod = url.protocol === 'http:' ? http : https;
      const r = mod.request(url, { method, headers, agent: auth.value.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => finish(this.networkError(e as NodeJS.ErrnoException), 0));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              finish(ok((text ? JSON.parse(text) : {}) as T), status);
            } catch {
              finish(fail('server', `${this.server} answered ${method} ${req.path} with something that is not JSON`, 'Check that the context points at a Kubernetes API server.', { status }), status);
            }
          } else finish(this.httpError(status, text, method, req), status);
        });
      });
      const timer = setTimeout(() => {
        const e = new Error('request timed out') as NodeJS.ErrnoException;
        e.code = 'ETIMEDOUT';
        r.destroy(e);
      }, req.timeoutMs ?? this.timeoutMs);
      const onAbort = (): void => {
        r.destroy();
        finish(fail('cancelled', `${method} ${req.path} was cancelled`, ''), 0);
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.on('error', (e: NodeJS.ErrnoException) => finish(this.networkError(e), 0));
      r.end(body);
    });
  }

  /**
   * A watch stream: calls `onEvent` for each event until the server ends the
   * stream (its timeoutSeconds), the signal aborts, or the connection fails.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (event: WatchEvent) => void,
    signal?: AbortSignal,
    onOpen?: () => void,
  ): Promise<Result<'ended' | 'aborted'>> {
    const auth = await this.resolveAuth();
    if (!auth.ok) return auth;
    const req: ApiRequest = { path, query: { ...query, watch: 1 } };
    const url = this.url(path, req.query);
    const started = Date.now();
    const idleMs = (Number(query.timeoutSeconds ?? 300) + 30) * 1000;
    return new Promise((resolve) => {
      let settled = false;
      let status = 0;
      const finish = (r: Result<'ended' | 'aborted'>): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.record('GET', req, status, started);
        resolve(r);
      };
      const mod = url.protocol === 'http:' ? http : https;
      const r = mod.request(
        url,
        { method: 'GET', agent: auth.value.agent, headers: { ...auth.value.headers, Accept: 'application/json', 'User-Agent': this.options.userAgent ?? 'rollback-guard' } },
        (res) => {
          status = res.statusCode ?? 0;
          if (status !== 200) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => finish(this.httpError(status, Buffer.concat(chunks).toString('utf8'), 'GET', req)));
            res.on('error', (e) => finish(this.networkError(e as NodeJS.ErrnoException)));
            return;
          }
          onOpen?.();
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl).trim();
              buffered = buffered.slice(nl + 1);
              if (!line) continue;
              try {
                onEvent(JSON.parse(line) as WatchEvent);
              } catch {
                // A torn line cannot happen within one chunk boundary handling; ignore garbage.
              }
            }
          });
          res.on('end', () => finish(res.complete ? ok('ended') : this.networkError(Object.assign(new Error('watch stream cut'), { code: 'ECONNRESET' }))));
          res.on('error', (e) => finish(this.networkError(e as NodeJS.ErrnoException)));
          res.on('aborted', () => finish(this.networkError(Object.assign(new Error('watch stream cut'), { code: 'ECONNRESET' }))));
        },
      );
      r.setTimeout(idleMs, () => r.destroy(Object.assign(new Error('watch idle'), { code: 'ETIMEDOUT' })));
      const onAbort = (): void => {
        r.destroy();
        finish(ok('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      r.on('error', (e: NodeJS.ErrnoException) => finish(signal?.aborted ? ok('aborted') : this.networkError(e)));
      r.end();
    });
  }

  private networkError(e: NodeJS.ErrnoException): { ok: false; error: ClusterError } {
    const code = e.code ?? '';
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/i.test(code) || /certificate/i.test(e.message)) {
      return fail('tls', `TLS connection to ${this.server} (context "${this.context.name}") failed: ${e.message}`, `The server's certificate is not trusted by context "${this.context.name}": check the cluster's certificate-authority(-data) in the kubeconfig and that the server address is the right one.`, { server: this.server, code });
    }
    const what = NETWORK_CODES[code] ?? e.message;
    return fail(
      'unreachable',
      `cannot reach the API server ${this.server} of context "${this.context.name}": ${what}${code ? ` (${code})` : ''}`,
      `Check that the cluster is running and that context "${this.context.name}" points at it (kubectl --context ${this.context.name} cluster-info); a VPN or proxy may be needed. Nothing was changed.`,
      { server: this.server, ...(code ? { code } : {}) },
    );
  }

  private httpError(status: number, text: string, method: string, req: ApiRequest): { ok: false; error: ClusterError } {
    let serverMessage = '';
    try {
      const s = JSON.parse(text) as { message?: string };
      serverMessage = s.message ?? '';
    } catch {
      serverMessage = text.slice(0, 300).trim();
    }
    const p = describePath(req.path);
    const resource = p.group ? `${p.resource}.${p.group}` : p.resource;
    const singular = p.resource.replace(/s$/, '');
    const where = p.namespace ? ` in namespace "${p.namespace}"` : '';
    const ctx = `context "${this.context.name}"`;
    switch (status) {
      case 401:
        return fail('unauthorized', `the API server ${this.server} rejected the credentials of ${ctx} (401 Unauthorized)`, 'The token or certificate has expired or is wrong: log in again (refresh the kubeconfig credentials) and retry.', { status });
      case 403: {
        const verb = verbOf(method, req.path, req.query);
        const user = /User "([^"]+)"/.exec(serverMessage)?.[1] ?? this.context.user;
        const permission = { verb, group: p.group, resource: p.resource + (p.subresource ? `/${p.subresource}` : ''), ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.name ? { name: p.name } : {}), user };
        return fail(
          'forbidden',
          `forbidden: user "${user}" may not ${verb} ${resource}${p.subresource ? `/${p.subresource}` : ''}${where} (${ctx})`,
          `Ask for a Role granting "${verb}" on ${resource}${where}, or use a context whose user has it. Server said: ${serverMessage}`,
          { status, permission },
        );
      }
      case 404:
        return fail('not-found', p.name ? `${singular} "${p.name}" not found${where} (${ctx})` : `${resource} not found${where} (${ctx}): ${serverMessage}`, p.name ? `Check the name and namespace (kubectl --context ${this.context.name} get ${p.resource}${p.namespace ? ` -n ${p.namespace}` : ''}).` : 'The API server does not serve this resource.', { status });
      case 409:
        return fail('conflict', `${singular} "${p.name ?? '?'}"${where} changed since it was read: ${serverMessage} (409 Conflict)`, 'Someone changed it after the preflight; nothing was applied. Re-run the command to check again against its current state.', { status });
      case 400:
      case 422:
        return fail('invalid', `the API server rejected ${method} ${resource}${p.name ? ` "${p.name}"` : ''}${where}: ${serverMessage}`, 'The request is not valid for this object; the message above says which field.', { status });
      case 410:
        return fail('server', `resource version expired (410 Gone): ${serverMessage}`, 'Read the objects again.', { status });
      default:
        return fail('server', `the API server ${this.server} answered ${status} to ${method} ${resource}${where}: ${serverMessage}`, status === 429 || status >= 500 ? 'The server is overloaded or failing; retry in a moment.' : 'Unexpected answer; check the server version and the request.', { status });
    }
  }
}
