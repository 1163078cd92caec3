/**
 * Kubeconfig loading with kubectl's merge rules: KUBECONFIG may list several
 * files (path-delimiter separated); for clusters, users and contexts the first
 * file that defines a name wins, and current-context comes from the first file
 * that sets one. Missing files in the list are skipped, as kubectl does.
 * (@kubernetes/client-node's own loadFromDefault throws on duplicate names and
 * takes the last current-context, which differs from kubectl.)
 * https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { fail, ok, type Result } from './errors';

export interface ContextInfo {
  name: string;
  cluster: string;
  /** The kubeconfig user entry's name (who the evidence says acted, before the server confirms). */
  user: string;
  /** The context's namespace, or `default`. */
  namespace: string;
  server?: string;
  /** How the user authenticates, for display: token, client certificate, exec plugin, … */
  auth: 'token' | 'client-certificate' | 'exec' | 'auth-provider' | 'basic' | 'none';
  /** The exec plugin's command, when auth is exec. */
  execCommand?: string;
}

export interface LoadedKubeconfig {
  /** Files read, in KUBECONFIG order. */
  files: string[];
  contexts: ContextInfo[];
  currentContext?: string;
  /** @internal The merged configuration, for connecting. */
  readonly merged: { clusters: Cluster[]; users: User[]; contexts: Context[] };
}

export interface KubeconfigSource {
  /** Environment to read KUBECONFIG and HOME from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Explicit files (like kubectl --kubeconfig); overrides KUBECONFIG. */
  files?: string[];
}

/** The kubeconfig files kubectl would read: --kubeconfig, else KUBECONFIG, else ~/.kube/config. */
export function kubeconfigFiles(source: KubeconfigSource = {}): string[] {
  if (source.files && source.files.length > 0) return source.files;
  const env = source.env ?? process.env;
  const list = env.KUBECONFIG;
  if (list && list.length > 0) {
    const files = list.split(delimiter).filter((f) => f.length > 0);
    return [...new Set(files)];
  }
  return [join(env.HOME ?? homedir(), '.kube', 'config')];
}

export function loadKubeconfig(source: KubeconfigSource = {}): Result<LoadedKubeconfig> {
  const candidates = kubeconfigFiles(source);
  const explicit = !!source.files?.length;
  const files: string[] = [];
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext: string | undefined;
  for (const file of candidates) {
    if (!existsSync(file)) {
      if (explicit) return fail('config', `kubeconfig ${file} does not exist`, 'Pass an existing file with --kubeconfig, or unset it to use KUBECONFIG or ~/.kube/config.');
      continue;
    }
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (error) {
      return fail('config', `cannot read kubeconfig ${file}: ${(error as Error).message}`, 'Fix the file (kubectl config view shows what kubectl makes of it).');
    }
    files.push(file);
    for (const c of kc.clusters ?? []) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users ?? []) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts ?? []) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!currentContext && kc.currentContext) currentContext = kc.currentContext;
  }
  if (files.length === 0) {
    return fail(
      'config',
      `no kubeconfig found (looked for ${candidates.join(', ')})`,
      'Set KUBECONFIG or create ~/.kube/config (for example with your cloud provider\'s "get credentials" command).',
    );
  }
  const infos = [...contexts.values()].map((c) => contextInfo(c, clusters.get(c.cluster), users.get(c.user)));
  return ok({
    files,
    contexts: infos,
    ...(currentContext ? { currentContext } : {}),
    merged: { clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()] },
  });
}

function contextInfo(context: Context, cluster: Cluster | undefined, user: User | undefined): ContextInfo {
  const auth: ContextInfo['auth'] = user?.exec
    ? 'exec'
    : user?.authProvider
      ? 'auth-provider'
      : user?.token
        ? 'token'
        : user?.certData || user?.certFile
          ? 'client-certificate'
          : user?.username
            ? 'basic'
            : 'none';
  const exec = user?.exec as { command?: string } | undefined;
  return {
    name: context.name,
    cluster: context.cluster,
    user: context.user,
    namespace: context.namespace || 'default',
    ...(cluster?.server ? { server: cluster.server } : {}),
    auth,
    ...(exec?.command ? { execCommand: exec.command } : {}),
  };
}

/**
 * The context to use: the named one, else current-context. The error names
 * the contexts that do exist.
 */
export function resolveContext(config: LoadedKubeconfig, name?: string): Result<ContextInfo> {
  const wanted = name ?? config.currentContext;
  if (!wanted) {
    return fail('config', `no context given and ${config.files.join(', ')} sets no current-context`, `Pass --context (one of: ${names(config)}) or run kubectl config use-context NAME.`);
  }
  const context = config.contexts.find((c) => c.name === wanted);
  if (!context) {
    return fail('config', `context "${wanted}" is not in ${config.files.join(', ')}`, `Known contexts: ${names(config)}.`);
  }
  if (!context.server) {
    return fail('config', `context "${wanted}" refers to cluster "${context.cluster}", which has no server`, 'Fix the clusters section of the kubeconfig.');
  }
  if (!config.merged.users.some((u) => u.name === context.user)) {
    return fail('config', `context "${wanted}" refers to user "${context.user}", which is not in the kubeconfig`, 'Fix the users section of the kubeconfig.');
  }
  return ok(context);
}

function names(config: LoadedKubeconfig): string {
  return config.contexts.map((c) => c.name).join(', ') || '(none)';
}

/** @internal A client-node KubeConfig whose current context is `context`, for credentials and TLS options. */
export function kubeConfigFor(config: LoadedKubeconfig, context: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ ...config.merged, currentContext: context });
  return kc;
}
