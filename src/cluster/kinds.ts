/**
 * The kinds whose history Rollback Guard reads, how to name them on a command
 * line, and where they live in the API.
 *
 * - Workloads with a pod template and revisions: Deployments, StatefulSets
 *   and DaemonSets (history and undo as `kubectl rollout`), and Argo Rollouts
 *   (history and undo as `kubectl argo rollouts`).
 * - Helm releases (history from their release Secrets, rollback through the
 *   helm binary) and Argo CD Applications (history from status.history,
 *   rollback through operation.sync).
 * - Flux Kustomizations and HelmReleases: their suspend state.
 */
import { fail, ok, type Result } from './errors';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/** A Helm release: its revisions are the release Secrets `sh.helm.release.v1.<name>.v<N>`. */
export interface ReleaseRef {
  kind: 'HelmRelease';
  namespace: string;
  name: string;
}

/** An Argo CD Application: its revisions are the entries of status.history. */
export interface ApplicationRef {
  kind: 'Application';
  namespace: string;
  name: string;
}

/** A Flux object whose reconciliation can be suspended. */
export interface FluxRef {
  kind: 'Kustomization' | 'HelmRelease';
  namespace: string;
  name: string;
}

/** Anything `history` and `undo` take. */
export type HistoryRef = WorkloadRef | ReleaseRef | ApplicationRef;
export type HistoryKind = HistoryRef['kind'];

/** What a tree read can be limited to: workload kinds, Helm releases, Argo CD Applications, Flux objects. */
export type TreeKind = WorkloadKind | 'HelmRelease' | 'Application' | 'Flux';
export const TREE_KINDS: readonly TreeKind[] = [...WORKLOAD_KINDS, 'HelmRelease', 'Application', 'Flux'];

interface KindInfo {
  /** API group ('' for the core group) and version. */
  group: string;
  version: string;
  plural: string;
  /** Where its revisions live. */
  history: 'replicasets' | 'controllerrevisions';
  aliases: readonly string[];
}

export const KIND_INFO: Record<WorkloadKind, KindInfo> = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', history: 'replicasets', aliases: ['deployment', 'deployments', 'deploy', 'deployment.apps', 'deployments.apps'] },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', history: 'controllerrevisions', aliases: ['statefulset', 'statefulsets', 'sts', 'statefulset.apps', 'statefulsets.apps'] },
  DaemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', history: 'controllerrevisions', aliases: ['daemonset', 'daemonsets', 'ds', 'daemonset.apps', 'daemonsets.apps'] },
  // The kubectl plugin's spellings: rollout, rollouts, ro.
  Rollout: { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', history: 'replicasets', aliases: ['rollout', 'rollouts', 'ro', 'rollout.argoproj.io', 'rollouts.argoproj.io'] },
};

// `helm-release` is how a Helm release is printed; `helmrelease`, `release` and `hr` are read too (the
// names earlier versions printed and took), although `flux` reads `helmrelease` as Flux's HelmRelease.
const RELEASE_ALIASES = ['helm-release', 'helm-releases', 'helmrelease', 'helmreleases', 'release', 'releases', 'hr'];
const APPLICATION_ALIASES = ['application', 'applications', 'app', 'application.argoproj.io', 'applications.argoproj.io'];
const KUSTOMIZATION_ALIASES = ['kustomization', 'kustomizations', 'ks', 'kustomization.kustomize.toolkit.fluxcd.io', 'kustomizations.kustomize.toolkit.fluxcd.io'];
const FLUX_HELMRELEASE_ALIASES = ['helmrelease', 'helmreleases', 'hr', 'helmrelease.helm.toolkit.fluxcd.io', 'helmreleases.helm.toolkit.fluxcd.io'];

/** API base of each plural this layer reads. */
const API_BASE: Record<string, string> = {
  deployments: '/apis/apps/v1',
  replicasets: '/apis/apps/v1',
  statefulsets: '/apis/apps/v1',
  daemonsets: '/apis/apps/v1',
  controllerrevisions: '/apis/apps/v1',
  rollouts: '/apis/argoproj.io/v1alpha1',
  applications: '/apis/argoproj.io/v1alpha1',
  secrets: '/api/v1',
  kustomizations: '/apis/kustomize.toolkit.fluxcd.io/v1',
  helmreleases: '/apis/helm.toolkit.fluxcd.io/v2',
};

function splitRef(text: string): { kindText: string; name: string } {
  const slash = text.indexOf('/');
  return { kindText: slash > 0 ? text.slice(0, slash).toLowerCase() : '', name: slash > 0 ? text.slice(slash + 1) : '' };
}

function checkName(name: string): Result<string> {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) return fail('unsupported', `"${name}" is not a valid object name`, 'Names are lower-case letters, digits, "-" and ".".');
  return ok(name);
}

/** `deployment/web`, `deploy/web`, `sts/db`, `daemonset.apps/agent`, `rollout/web` (kubectl's spellings). */
export function parseWorkload(text: string): Result<{ kind: WorkloadKind; name: string }> {
  const { kindText, name } = splitRef(text);
  const kind = WORKLOAD_KINDS.find((k) => KIND_INFO[k].aliases.includes(kindText));
  if (!kind || !name || name.includes('/')) {
    return fail('unsupported', `"${text}" is not a workload this command handles`, 'Name it as KIND/NAME with KIND one of deployment (deploy), statefulset (sts), daemonset (ds), rollout (ro): e.g. deployment/web.');
  }
  const valid = checkName(name);
  return valid.ok ? ok({ kind, name }) : valid;
}

/** What `history` and `undo` take: a workload, `helm-release/NAME` (or `release/NAME`), or `application/NAME`. */
export function parseHistoryRef(text: string): Result<{ kind: HistoryKind; name: string }> {
  const { kindText, name } = splitRef(text);
  const kind: HistoryKind | undefined =
    WORKLOAD_KINDS.find((k) => KIND_INFO[k].aliases.includes(kindText)) ?? (RELEASE_ALIASES.includes(kindText) ? 'HelmRelease' : APPLICATION_ALIASES.includes(kindText) ? 'Application' : undefined);
  if (!kind || !name || name.includes('/')) {
    return fail(
      'unsupported',
      `"${text}" is not something this command handles`,
      'Name it as KIND/NAME with KIND one of deployment (deploy), statefulset (sts), daemonset (ds), rollout (ro), helm-release (release) for a Helm release, or application (app) for an Argo CD Application: e.g. deployment/web, helm-release/storefront.',
    );
  }
  const valid = checkName(name);
  return valid.ok ? ok({ kind, name }) : valid;
}

/** `kustomization/NAME` (`ks/NAME`) or `helmrelease/NAME` (`hr/NAME`), as `flux suspend` names them. */
export function parseFluxRef(text: string): Result<{ kind: FluxRef['kind']; name: string }> {
  const { kindText, name } = splitRef(text);
  const kind: FluxRef['kind'] | undefined = KUSTOMIZATION_ALIASES.includes(kindText) ? 'Kustomization' : FLUX_HELMRELEASE_ALIASES.includes(kindText) ? 'HelmRelease' : undefined;
  if (!kind || !name || name.includes('/')) {
    return fail('unsupported', `"${text}" is not a Flux object this command handles`, 'Name it as kustomization/NAME (ks/NAME) or helmrelease/NAME (hr/NAME).');
  }
  const valid = checkName(name);
  return valid.ok ? ok({ kind, name }) : valid;
}

/**
 * The kind as `history` and `undo` print it: kubectl's singular for workloads
 * and Applications, `helm-release` for a Helm release (so it never reads as
 * Flux's `helmrelease`).
 */
export function kindName(kind: string): string {
  return kind === 'HelmRelease' ? 'helm-release' : kind.toLowerCase();
}

/** `deployment/web`, `helm-release/storefront`, `application/shop`. */
export function refText(ref: { kind: string; name: string }): string {
  return `${kindName(ref.kind)}/${ref.name}`;
}

/** How a person names the kind: "Helm release", "Argo CD Application", "Rollout". */
export function kindLabel(kind: HistoryKind | FluxRef['kind'] | 'FluxHelmRelease'): string {
  switch (kind) {
    case 'HelmRelease':
      return 'Helm release';
    case 'FluxHelmRelease':
      return 'Flux HelmRelease';
    case 'Application':
      return 'Argo CD Application';
    case 'Kustomization':
      return 'Flux Kustomization';
    default:
      return kind;
  }
}

export function objectPath(ref: WorkloadRef): string {
  const info = KIND_INFO[ref.kind];
  return `/apis/${info.group}/${info.version}/namespaces/${encodeURIComponent(ref.namespace)}/${info.plural}/${encodeURIComponent(ref.name)}`;
}

/** Collection path of `plural`: one namespace, or every namespace when `namespace` is undefined. */
export function collectionPath(plural: string, namespace?: string): string {
  const base = API_BASE[plural] ?? '/apis/apps/v1';
  return namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

/** The path of one named object of `plural` in `namespace`. */
export function namedPath(plural: string, namespace: string, name: string): string {
  return `${collectionPath(plural, namespace)}/${encodeURIComponent(name)}`;
}

/** The Flux object's plural. */
export function fluxPlural(kind: FluxRef['kind']): 'kustomizations' | 'helmreleases' {
  return kind === 'Kustomization' ? 'kustomizations' : 'helmreleases';
}
