import type { ManifestDoc } from '../yaml/manifest';
import { injectionsInto } from '../yaml/injections';
import type { ManifestFile } from '../yaml/manifest';

/**
 * Release hooks as data: the annotation that makes an object a hook, the
 * phases whose effect outlives a rollback, and what rolls back.
 */
export interface HookTool {
  tool: string;
  annotation: string;
  /** Phases that run on the way forward (install, upgrade, sync); `helm rollback` / a sync to an old revision does not undo them. */
  forward: readonly string[];
  /** The rollback command, for messages. */
  rollback: string;
}

export const HOOK_TOOLS: readonly HookTool[] = [
  // https://helm.sh/docs/topics/charts_hooks/#the-available-hooks
  { tool: 'Helm', annotation: 'helm.sh/hook', forward: ['pre-install', 'post-install', 'pre-upgrade', 'post-upgrade'], rollback: '`helm rollback`' },
  // https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
  { tool: 'Argo CD', annotation: 'argocd.argoproj.io/hook', forward: ['PreSync', 'Sync', 'PostSync'], rollback: '`argocd app rollback`' },
];

/**
 * Kinds that a hook creates so that the hook's Job can run (its identity,
 * permissions, network access, configuration): creating them changes no
 * data, so they are no side effect of their own.
 */
export const HOOK_SUPPORT_KINDS: ReadonlySet<string> = new Set([
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'ConfigMap',
  'Secret',
  'PersistentVolumeClaim',
  'Service',
  'PodDisruptionBudget',
  'PodSecurityPolicy',
]);

export interface HookAnnotation {
  tool: HookTool;
  /** The annotation's value node, or the action that prints it. */
  node: unknown;
  /** Every phase named. */
  phases: string[];
}

/** The hook annotations of a document (Helm's and Argo CD's), also when a template prints them from a literal `dict`. */
export function hookAnnotations(doc: ManifestDoc, file?: Pick<ManifestFile, 'injections' | 'masked' | 'lines'>): HookAnnotation[] {
  const { nav } = doc;
  const metadata = nav.get(doc.root, 'metadata');
  const annotationsPair = nav.pair(metadata, 'annotations');
  const out: HookAnnotation[] = [];
  for (const tool of HOOK_TOOLS) {
    const node = nav.get(annotationsPair?.value, tool.annotation);
    const value = nav.str(node);
    if (value !== undefined) {
      out.push({ tool, node, phases: splitPhases(value) });
      continue;
    }
    if (!file || !annotationsPair) continue;
    for (const injection of injectionsInto(file, annotationsPair)) {
      const entry = injection.entries?.find((e) => e.key === tool.annotation);
      if (entry) out.push({ tool, node: { range: [injection.offset, injection.end, injection.end] }, phases: splitPhases(entry.value) });
    }
  }
  return out;
}

/** The Helm hook phases of a document (`test` for a `helm test` Pod). */
export function helmHookPhases(doc: ManifestDoc): string[] {
  const value = doc.nav.str(doc.nav.at(doc.root, ['metadata', 'annotations', 'helm.sh/hook']));
  return value === undefined ? [] : splitPhases(value);
}

function splitPhases(value: string): string[] {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
