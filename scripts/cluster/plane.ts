/**
 * A real Kubernetes control plane on loopback for integration tests: etcd,
 * kube-apiserver (RBAC, token auth), kube-controller-manager (workload,
 * garbage-collector, namespace and service-account controllers),
 * kube-scheduler and kwok (one fake Node whose pods become Ready), all built
 * from their Go modules by ./build.ts. Every process is started with an argv
 * array, listens on 127.0.0.1 on ports picked at run time, and logs to a file
 * in the state directory. state.json in that directory records what was
 * started (pids, argv, ports), so another process can report on it, restart
 * the apiserver or stop exactly those processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuilt, cacheRoot, type Binaries, type BuildResult, type PinnedVersions } from './build';
import { crdFiles, CRD_SOURCES } from './crds';
import { childEnv } from '../childEnv.mjs';

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** Start order; stop runs in reverse. */
export const COMPONENTS: readonly Component[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];

export const CONTEXTS = { admin: 'rg-admin', readonly: 'rg-readonly' } as const;
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KUBE_CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
];

export interface PlaneOptions {
  /** Where data, certificates, kubeconfig, logs and state.json go. Default: a new temp dir. */
  stateDir?: string;
  log?: (line: string) => void;
  /** Install the Argo CD / Argo Rollouts / Flux CRDs (default true). */
  crds?: boolean;
  /**
   * Let the components outlive this process (what `npm run cluster -- up`
   * does). Default false: they are killed when this process exits.
   */
  detached?: boolean;
  /** Name of the kwok-managed Node (default rg-fake-node). */
  nodeName?: string;
  /** Seconds to wait for each readiness step (default 120). */
  timeoutSeconds?: number;
  /** Binaries already built (skips ensureBuilt). */
  build?: BuildResult;
}

interface ComponentState {
  pid: number;
  /** argv[0] is the absolute binary path; checked against /proc before any signal. */
  argv: string[];
  env: Record<string, string>;
  logFile: string;
}

export interface PlaneState {
  format: 1;
  stateDir: string;
  /** Remove the whole state dir on stop (a temp dir this library created). */
  ownsStateDir: boolean;
  detached: boolean;
  startedAt: string;
  readyAt?: string;
  readySeconds?: number;
  server: string;
  kubeconfigPath: string;
  caFile: string;
  binDir: string;
  bin: Binaries;
  buildKey: string;
  versions: PinnedVersions;
  nodeName: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number; scheduler: number; kwok: number };
  tokens: { admin: string; readonly: string };
  crds: string[];
  components: Partial<Record<Component, ComponentState>>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Context to use (default rg-admin). */
  context?: string;
  /** Written to stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
  timeoutSeconds?: number;
}

export interface Plane {
  stateDir: string;
  kubeconfigPath: string;
  contexts: typeof CONTEXTS;
  /** https://127.0.0.1:<port> */
  server: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  caData: string;
  tokens: { admin: string; readonly: string };
  nodeName: string;
  binDir: string;
  bin: Binaries;
  versions: PinnedVersions;
  /** Names of the installed CRDs (empty with crds: false). */
  crds: string[];
  /** KUBECONFIG, PATH (binDir first) and isolated HELM_* homes for child processes. */
  env: NodeJS.ProcessEnv;
  /** Seconds from start to ready (binaries already built). */
  readySeconds: number;
  /** Current pids of the running components. */
  pids(): Partial<Record<Component, number>>;
  /** Runs the built kubectl against this plane (argv array, no shell). */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Runs the built helm against this plane. */
  helm(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Stops only kube-apiserver (SIGTERM, or SIGKILL to simulate a crash); etcd and the rest keep running. */
  stopApiserver(opts?: { signal?: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
  /** Starts kube-apiserver again with the same flags, port and certificates, and waits for /readyz. */
  startApiserver(): Promise<void>;
  /** Stops every component (reverse order) and removes the etcd data. */
  stop(): Promise<void>;
}

const STATE_FILE = 'state.json';

const defaultLog = (line: string): void => {
  process.stderr.write(`[cluster] ${line}\n`);
};

/** The state directory `npm run cluster -- up|down|status` use. */
export function defaultStateDir(): string {
  return process.env.ROLLBACK_GUARD_CLUSTER_STATE || path.join(cacheRoot(), 'state');
}

// ---------------------------------------------------------------- processes

/** Children started by this process, killed on exit unless detached. */
const attached = new Map<number, ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const pid of attached.keys()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    attached.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      process.kill(process.pid, sig);
    });
  }
}

function readCmdline(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
  } catch {
    return undefined;
  }
}

/** True when pid is alive and still runs the binary we started (not a recycled pid). */
export function isOurProcess(c: ComponentState | undefined): boolean {
  if (!c) return false;
  const cmd = readCmdline(c.pid);
  if (!cmd || cmd.length === 0) return false;
  // A zombie has an empty cmdline; treat it as gone.
  try {
    const stat = fs.readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (st === 'Z' || st === 'X') return false;
  } catch {
    return false;
  }
  return cmd[0] === c.argv[0];
}

function startProcess(
  name: Component,
  argv: string[],
  env: Record<string, string>,
  logFile: string,
  detached: boolean,
): ComponentState {
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n==== ${new Date().toISOString()} starting ${name}: ${JSON.stringify(argv)}\n`);
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error(`empty argv for ${name}`);
  const child = spawn(cmd, args, {
    // Own process group either way, so a terminal's Ctrl-C reaches us first and
    // stop() can signal the group.
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...minimalEnv(), ...env },
    cwd: path.dirname(logFile),
  });
  fs.closeSync(fd);
  if (!child.pid) throw new Error(`could not start ${name} (${cmd})`);
  if (detached) {
    child.unref();
  } else {
    installExitHook();
    attached.set(child.pid, child);
    const pid = child.pid;
    child.on('exit', () => attached.delete(pid));
  }
  return { pid: child.pid, argv, env, logFile };
}

/** The environment handed to components: nothing of the caller's KUBECONFIG or proxies. */
function minimalEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const out: Record<string, string> = {};
  const base = childEnv();
  for (const k of keep) {
    const v = base[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

async function stopProcess(c: ComponentState | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15000): Promise<void> {
  if (!c || !isOurProcess(c)) return;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-c.pid, sig);
    } catch {
      try {
        process.kill(c.pid, sig);
      } catch {
        // gone
      }
    }
  };
  signalGroup(signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(c)) break;
    await sleep(100);
  }
  if (isOurProcess(c)) {
    signalGroup('SIGKILL');
    const hard = Date.now() + 5000;
    while (isOurProcess(c) && Date.now() < hard) await sleep(100);
  }
  // Reap our own child so it does not linger as a zombie.
  const child = attached.get(c.pid);
  if (child && child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  attached.delete(c.pid);
}

function logTail(file: string, bytes = 3000): string {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - bytes)).toString();
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- helpers

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (!addr || typeof addr === 'string') return reject(new Error('no port'));
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

interface HttpResult {
  status: number;
  body: string;
}

function request(
  url: string,
  opts: { method?: string; ca?: string; token?: string; insecure?: boolean; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const common = { method: opts.method ?? 'GET', headers, timeout: opts.timeoutMs ?? 5000 };
    const onRes = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    };
    const req =
      u.protocol === 'https:'
        ? https.request(u, { ...common, ca: opts.ca, rejectUnauthorized: !opts.insecure }, onRes)
        : http.request(u, common, onRes);
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  watch?: { state: PlaneState; components: Component[] },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    for (const name of watch?.components ?? []) {
      const c = watch?.state.components[name];
      if (c && !isOurProcess(c)) {
        throw new Error(`${name} exited while waiting for ${what}; last lines of ${c.logFile}:\n${logTail(c.logFile)}`);
      }
    }
    if (Date.now() > deadline) {
      const logs = (watch?.components ?? [])
        .map((n) => watch?.state.components[n])
        .filter((c): c is ComponentState => !!c)
        .map((c) => `--- ${c.logFile}\n${logTail(c.logFile, 1500)}`)
        .join('\n');
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastErr ? ` (${lastErr})` : ''}\n${logs}`);
    }
    await sleep(250);
  }
}

function runBinary(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: KubectlOptions = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.timeoutSeconds ?? 120) * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const r = { code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (r.code !== 0 && !opts.allowFailure) {
        reject(new Error(`${path.basename(bin)} ${args.join(' ')} exited ${signal ?? code}:\n${r.stderr}${r.stdout}`));
      } else resolve(r);
    });
    child.stdin.on('error', () => {
      // the child may exit before reading stdin
    });
    child.stdin.end(opts.input ?? '');
  });
}

// ---------------------------------------------------------------- files

function writeFile(p: string, text: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text, { mode });
}

function writeState(state: PlaneState): void {
  const p = path.join(state.stateDir, STATE_FILE);
  writeFile(`${p}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(`${p}.tmp`, p);
}

export function readState(stateDir: string = defaultStateDir()): PlaneState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, STATE_FILE), 'utf8')) as PlaneState;
  } catch {
    return undefined;
  }
}

function q(s: string): string {
  return JSON.stringify(s);
}

function kubeconfigText(opts: {
  server: string;
  caData: string;
  users: { name: string; token: string }[];
  contexts: { name: string; user: string }[];
  current: string;
}): string {
  const ca = Buffer.from(opts.caData).toString('base64');
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: rg',
    '  cluster:',
    `    server: ${q(opts.server)}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    ...opts.users.flatMap((u) => [`- name: ${q(u.name)}`, '  user:', `    token: ${q(u.token)}`]),
    'contexts:',
    ...opts.contexts.flatMap((c) => [
      `- name: ${q(c.name)}`,
      '  context:',
      '    cluster: rg',
      `    user: ${q(c.user)}`,
      '    namespace: default',
    ]),
    `current-context: ${q(opts.current)}`,
    '',
  ];
  return lines.join('\n');
}

/** The PEM CA block(s) of the apiserver's self-signed bundle (serving cert first, then its CA). */
function caFromBundle(bundle: string): string {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('apiserver certificate bundle holds no certificate');
  // With a CA in the bundle, trust only the CA; a lone self-signed cert is its own anchor.
  const chosen = blocks.length > 1 ? blocks.slice(1) : blocks;
  return `${chosen.join('\n')}\n`;
}

const READONLY_RBAC = (user: string): string => `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: rg-readonly
  labels: {app.kubernetes.io/part-of: rollback-guard-test-plane}
rules:
- apiGroups: [""]
  resources: [namespaces, nodes, pods, pods/log, services, endpoints, configmaps, secrets, events, serviceaccounts, persistentvolumeclaims]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments, deployments/scale, deployments/status, replicasets, replicasets/status, statefulsets, statefulsets/status, daemonsets, daemonsets/status, controllerrevisions]
  verbs: [get, list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [get, list, watch]
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [get, list, watch]
- apiGroups: [argoproj.io]
  resources: [applications, appprojects, rollouts]
  verbs: [get, list, watch]
- apiGroups: [kustomize.toolkit.fluxcd.io, helm.toolkit.fluxcd.io]
  resources: ["*"]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: rg-readonly
  labels: {app.kubernetes.io/part-of: rollback-guard-test-plane}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: rg-readonly
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: ${user}
`;

const FAKE_NODE = (name: string): string => `
apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    ${FAKE_NODE_ANNOTATION}: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: ${name}
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
spec: {}
status:
  capacity: {cpu: "1000", memory: 4Ti, pods: "10000", ephemeral-storage: 10Ti}
  allocatable: {cpu: "1000", memory: 4Ti, pods: "10000", ephemeral-storage: 10Ti}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
    containerRuntimeVersion: fake
    kernelVersion: fake
    osImage: fake
    machineID: ""
    systemUUID: ""
    bootID: ""
`;

// ---------------------------------------------------------------- plane

function planeEnv(state: PlaneState): NodeJS.ProcessEnv {
  const helmDir = path.join(state.stateDir, 'helm');
  const base = childEnv();
  return {
    ...base,
    KUBECONFIG: state.kubeconfigPath,
    PATH: `${state.binDir}${path.delimiter}${base.PATH ?? ''}`,
    HELM_CACHE_HOME: path.join(helmDir, 'cache'),
    HELM_CONFIG_HOME: path.join(helmDir, 'config'),
    HELM_DATA_HOME: path.join(helmDir, 'data'),
    ROLLBACK_GUARD_KUBECTL: state.bin.kubectl,
    ROLLBACK_GUARD_HELM: state.bin.helm,
  };
}

function apiserverReady(state: PlaneState, ca: string): () => Promise<true | undefined> {
  return async () => {
    const r = await request(`${state.server}/readyz`, { ca, token: state.tokens.admin });
    return r.status === 200 && r.body.trim() === 'ok' ? true : undefined;
  };
}

function handle(state: PlaneState, log: (l: string) => void, timeoutMs: number): Plane {
  const caData = fs.readFileSync(state.caFile, 'utf8');
  const env = planeEnv(state);
  const kubectl = (args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> =>
    runBinary(state.bin.kubectl, ['--kubeconfig', state.kubeconfigPath, '--context', opts.context ?? CONTEXTS.admin, ...args], env, opts);
  const helm = (args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> =>
    runBinary(state.bin.helm, ['--kubeconfig', state.kubeconfigPath, '--kube-context', opts.context ?? CONTEXTS.admin, ...args], env, opts);

  const plane: Plane = {
    stateDir: state.stateDir,
    kubeconfigPath: state.kubeconfigPath,
    contexts: CONTEXTS,
    server: state.server,
    caData,
    tokens: state.tokens,
    nodeName: state.nodeName,
    binDir: state.binDir,
    bin: state.bin,
    versions: state.versions,
    crds: state.crds,
    env,
    readySeconds: state.readySeconds ?? NaN,
    pids: () => {
      const out: Partial<Record<Component, number>> = {};
      for (const name of COMPONENTS) {
        const c = state.components[name];
        if (c && isOurProcess(c)) out[name] = c.pid;
      }
      return out;
    },
    kubectl,
    helm,
    async stopApiserver(opts = {}) {
      log(`stopping kube-apiserver (${opts.signal ?? 'SIGTERM'})`);
      await stopProcess(state.components['kube-apiserver'], opts.signal ?? 'SIGTERM');
    },
    async startApiserver() {
      const c = state.components['kube-apiserver'];
      if (!c) throw new Error('no kube-apiserver recorded in the state');
      if (isOurProcess(c)) throw new Error(`kube-apiserver is already running (pid ${c.pid})`);
      log('starting kube-apiserver again');
      state.components['kube-apiserver'] = startProcess('kube-apiserver', c.argv, c.env, c.logFile, state.detached);
      writeState(state);
      await waitFor('kube-apiserver /readyz', timeoutMs, apiserverReady(state, caData), { state, components: ['etcd', 'kube-apiserver'] });
      log('kube-apiserver is ready again');
    },
    async stop() {
      for (const name of [...COMPONENTS].reverse()) {
        const c = state.components[name];
        if (c && isOurProcess(c)) {
          log(`stopping ${name} (pid ${c.pid})`);
          await stopProcess(c);
        }
      }
      fs.rmSync(path.join(state.stateDir, 'etcd-data'), { recursive: true, force: true });
      if (state.ownsStateDir && process.env.ROLLBACK_GUARD_CLUSTER_KEEP !== '1') {
        fs.rmSync(state.stateDir, { recursive: true, force: true });
      } else {
        fs.rmSync(path.join(state.stateDir, STATE_FILE), { force: true });
      }
      log('control plane stopped');
    },
  };
  return plane;
}

/**
 * Starts a control plane and resolves when the apiserver is ready, the fake
 * Node is Ready, the default ServiceAccount exists and the CRDs are
 * Established. On failure, whatever was started is stopped again.
 */
export async function startPlane(opts: PlaneOptions = {}): Promise<Plane> {
  const log = opts.log ?? defaultLog;
  const timeoutMs = (opts.timeoutSeconds ?? 120) * 1000;
  const build = opts.build ?? (await ensureBuilt({ log }));
  const t0 = Date.now();

  const ownsStateDir = !opts.stateDir;
  const stateDir = opts.stateDir
    ? path.resolve(opts.stateDir)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'rg-plane-'));
  const existing = readState(stateDir);
  if (existing && COMPONENTS.some((n) => isOurProcess(existing.components[n]))) {
    throw new Error(`a control plane is already running from ${stateDir} (stop it first)`);
  }
  // A previous plane's leftovers (data, certificates, logs) are not reused.
  for (const entry of ['etcd-data', 'pki', 'logs', 'kwok', 'helm', 'kubeconfig', 'components.kubeconfig', STATE_FILE]) {
    fs.rmSync(path.join(stateDir, entry), { recursive: true, force: true });
  }
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });

  const pki = path.join(stateDir, 'pki');
  const logs = path.join(stateDir, 'logs');
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  fs.mkdirSync(logs, { recursive: true });

  const [etcdClient, etcdPeer, apiserverPort, kcmPort, schedulerPort, kwokPort] = (await freePorts(6)) as [
    number, number, number, number, number, number,
  ];
  const token = (): string => crypto.randomBytes(24).toString('hex');
  const tokens = { admin: token(), readonly: token() };
  const componentTokens = { kcm: token(), scheduler: token(), kwok: token() };
  const server = `https://127.0.0.1:${apiserverPort}`;
  const nodeName = opts.nodeName ?? 'rg-fake-node';

  // One RSA key signs and verifies service-account tokens.
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saKey = path.join(pki, 'sa.key');
  writeFile(saKey, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());

  // token,user,uid,"group1,group2"
  const tokenFile = path.join(pki, 'tokens.csv');
  writeFile(
    tokenFile,
    [
      `${tokens.admin},rg-admin,rg-admin,"system:masters"`,
      `${tokens.readonly},rg-readonly,rg-readonly`,
      `${componentTokens.kcm},rg-kube-controller-manager,rg-kube-controller-manager,"system:masters"`,
      `${componentTokens.scheduler},rg-kube-scheduler,rg-kube-scheduler,"system:masters"`,
      `${componentTokens.kwok},rg-kwok,rg-kwok,"system:masters"`,
      '',
    ].join('\n'),
  );

  const bin = build.bin;
  const certDir = path.join(pki, 'apiserver');
  const state: PlaneState = {
    format: 1,
    stateDir,
    ownsStateDir,
    detached: !!opts.detached,
    startedAt: new Date(t0).toISOString(),
    server,
    kubeconfigPath: path.join(stateDir, 'kubeconfig'),
    caFile: path.join(pki, 'ca.crt'),
    binDir: build.binDir,
    bin,
    buildKey: build.key,
    versions: build.versions,
    nodeName,
    ports: { etcdClient, etcdPeer, apiserver: apiserverPort, controllerManager: kcmPort, scheduler: schedulerPort, kwok: kwokPort },
    tokens,
    crds: [],
    components: {},
  };
  const start = (name: Component, argv: string[], env: Record<string, string> = {}): void => {
    state.components[name] = startProcess(name, argv, env, path.join(logs, `${name}.log`), state.detached);
    writeState(state);
    log(`${name} started (pid ${state.components[name]?.pid})`);
  };

  try {
    // etcd
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    start('etcd', [
      bin.etcd,
      '--name=rg',
      `--data-dir=${path.join(stateDir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=rg=${peerUrl}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await waitFor('etcd /health', timeoutMs, async () => {
      const r = await request(`${etcdUrl}/health`);
      return r.status === 200 && r.body.includes('"true"') ? true : undefined;
    }, { state, components: ['etcd'] });

    // kube-apiserver
    start('kube-apiserver', [
      bin['kube-apiserver'],
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      `--cert-dir=${certDir}`,
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokenFile}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      // ServiceAccount: no token controller runs; TaintNodesByCondition: no
      // node-lifecycle controller runs to lift the not-ready taint.
      '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      '--allow-privileged=true',
      // The loopback advertise address cannot go into Endpoints.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
    ]);
    const bundle = path.join(certDir, 'apiserver.crt');
    await waitFor('kube-apiserver serving certificate', timeoutMs, async () => (fs.existsSync(bundle) && fs.statSync(bundle).size > 0 ? true : undefined), {
      state,
      components: ['etcd', 'kube-apiserver'],
    });
    await sleep(100);
    const caData = caFromBundle(fs.readFileSync(bundle, 'utf8'));
    writeFile(state.caFile, caData, 0o644);
    await waitFor('kube-apiserver /readyz', timeoutMs, apiserverReady(state, caData), {
      state,
      components: ['etcd', 'kube-apiserver'],
    });
    log(`kube-apiserver ready at ${server}`);

    writeFile(
      state.kubeconfigPath,
      kubeconfigText({
        server,
        caData,
        users: [
          { name: CONTEXTS.admin, token: tokens.admin },
          { name: CONTEXTS.readonly, token: tokens.readonly },
        ],
        contexts: [
          { name: CONTEXTS.admin, user: CONTEXTS.admin },
          { name: CONTEXTS.readonly, user: CONTEXTS.readonly },
        ],
        current: CONTEXTS.admin,
      }),
    );
    const componentKubeconfig = (name: string, tok: string): string => {
      const p = path.join(pki, `${name}.kubeconfig`);
      writeFile(p, kubeconfigText({ server, caData, users: [{ name, token: tok }], contexts: [{ name, user: name }], current: name }));
      return p;
    };
    const kcmKubeconfig = componentKubeconfig('kube-controller-manager', componentTokens.kcm);
    const schedKubeconfig = componentKubeconfig('kube-scheduler', componentTokens.scheduler);
    const kwokKubeconfig = componentKubeconfig('kwok', componentTokens.kwok);

    const plane = handle(state, log, timeoutMs);

    // The read-only user and the fake node, before the controllers start.
    await plane.kubectl(['apply', '-f', '-'], { input: READONLY_RBAC(CONTEXTS.readonly) });
    await plane.kubectl(['apply', '-f', '-'], { input: FAKE_NODE(nodeName) });

    start('kube-controller-manager', [
      bin['kube-controller-manager'],
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${path.join(pki, 'kube-controller-manager')}`,
      `--controllers=${KUBE_CONTROLLERS.join(',')}`,
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      '--profiling=false',
    ]);
    start('kube-scheduler', [
      bin['kube-scheduler'],
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${schedulerPort}`,
      `--cert-dir=${path.join(pki, 'kube-scheduler')}`,
      '--profiling=false',
    ]);
    const kwokDir = path.join(stateDir, 'kwok');
    fs.mkdirSync(kwokDir, { recursive: true });
    start(
      'kwok',
      [
        bin.kwok,
        `--kubeconfig=${kwokKubeconfig}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
        // Pod and node IPs kwok writes into status; nothing is ever sent to them.
        '--cidr=10.244.0.1/16',
        '--node-ip=10.244.0.1',
        `--server-address=127.0.0.1:${kwokPort}`,
      ],
      // Keep kwok away from ~/.kwok.
      { KWOK_WORKDIR: kwokDir },
    );

    const all: Component[] = [...COMPONENTS];
    await waitFor(`fake node ${nodeName} Ready`, timeoutMs, async () => {
      const r = await request(`${server}/api/v1/nodes/${nodeName}`, { ca: caData, token: tokens.admin });
      if (r.status !== 200) return undefined;
      const node = JSON.parse(r.body) as { status?: { conditions?: { type: string; status: string }[] } };
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    }, { state, components: all });
    await waitFor('default ServiceAccount (kube-controller-manager running)', timeoutMs, async () => {
      const r = await request(`${server}/api/v1/namespaces/default/serviceaccounts/default`, { ca: caData, token: tokens.admin });
      return r.status === 200 ? true : undefined;
    }, { state, components: all });
    for (const [name, port] of [['kube-controller-manager', kcmPort], ['kube-scheduler', schedulerPort]] as const) {
      await waitFor(`${name} /healthz`, timeoutMs, async () => {
        const r = await request(`https://127.0.0.1:${port}/healthz`, { insecure: true });
        return r.status === 200 ? true : undefined;
      }, { state, components: all });
    }
    log(`fake node ${nodeName} Ready; controllers and scheduler healthy`);

    if (opts.crds !== false) {
      const files = crdFiles();
      const names = files.flatMap((f) => f.names);
      log(`installing CRDs from ${CRD_SOURCES.map((s) => `${s.module}@${s.version}`).join(', ')}`);
      await plane.kubectl(['apply', '--server-side', '--force-conflicts', ...files.flatMap((f) => ['-f', f.path])]);
      await plane.kubectl(['wait', '--for=condition=Established', `--timeout=${Math.round(timeoutMs / 1000)}s`, ...names.map((n) => `crd/${n}`)], {
        timeoutSeconds: timeoutMs / 1000 + 10,
      });
      state.crds = names;
      plane.crds = names;
      log(`CRDs established: ${names.join(', ')}`);
    }

    state.readyAt = new Date().toISOString();
    state.readySeconds = Math.round((Date.now() - t0) / 100) / 10;
    plane.readySeconds = state.readySeconds;
    writeState(state);
    log(`control plane ready in ${state.readySeconds}s (state: ${stateDir})`);
    return plane;
  } catch (e) {
    log(`start failed; stopping what was started`);
    const partial = fs.existsSync(state.caFile) ? handle(state, log, timeoutMs) : undefined;
    if (partial) {
      await partial.stop().catch(() => undefined);
    } else {
      for (const name of [...COMPONENTS].reverse()) await stopProcess(state.components[name]).catch(() => undefined);
      fs.rmSync(path.join(stateDir, STATE_FILE), { force: true });
    }
    throw e;
  }
}

/** A handle on the plane recorded in stateDir (started by this or another process). */
export function attachPlane(stateDir: string = defaultStateDir(), opts: { log?: (l: string) => void; timeoutSeconds?: number } = {}): Plane | undefined {
  const state = readState(stateDir);
  if (!state) return undefined;
  return handle(state, opts.log ?? defaultLog, (opts.timeoutSeconds ?? 120) * 1000);
}

/** Stops the plane recorded in stateDir; false when none was recorded. */
export async function stopPlane(stateDir: string = defaultStateDir(), opts: { log?: (l: string) => void } = {}): Promise<boolean> {
  const state = readState(stateDir);
  if (!state) return false;
  const log = opts.log ?? defaultLog;
  if (fs.existsSync(state.caFile)) {
    await handle(state, log, 120_000).stop();
  } else {
    for (const name of [...COMPONENTS].reverse()) await stopProcess(state.components[name]);
    fs.rmSync(path.join(stateDir, STATE_FILE), { force: true });
  }
  return true;
}

export interface PlaneStatus {
  stateDir: string;
  recorded: boolean;
  server?: string;
  kubeconfigPath?: string;
  versions?: PinnedVersions;
  components: { name: Component; pid?: number; running: boolean; logFile?: string }[];
  apiserverReady: boolean;
  nodeReady: boolean;
  crds: string[];
}

export async function planeStatus(stateDir: string = defaultStateDir()): Promise<PlaneStatus> {
  const state = readState(stateDir);
  if (!state) {
    return { stateDir, recorded: false, components: [], apiserverReady: false, nodeReady: false, crds: [] };
  }
  const components = COMPONENTS.map((name) => {
    const c = state.components[name];
    return { name, pid: c?.pid, running: isOurProcess(c), logFile: c?.logFile };
  });
  let apiserverReady = false;
  let nodeReady = false;
  try {
    const ca = fs.readFileSync(state.caFile, 'utf8');
    apiserverReady = !!(await apiserverReady_(state, ca));
    const r = await request(`${state.server}/api/v1/nodes/${state.nodeName}`, { ca, token: state.tokens.admin });
    if (r.status === 200) {
      const node = JSON.parse(r.body) as { status?: { conditions?: { type: string; status: string }[] } };
      nodeReady = !!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }
  } catch {
    // not reachable
  }
  return {
    stateDir,
    recorded: true,
    server: state.server,
    kubeconfigPath: state.kubeconfigPath,
    versions: state.versions,
    components,
    apiserverReady,
    nodeReady,
    crds: state.crds,
  };
}

async function apiserverReady_(state: PlaneState, ca: string): Promise<boolean> {
  try {
    return (await apiserverReady(state, ca)()) === true;
  } catch {
    return false;
  }
}
