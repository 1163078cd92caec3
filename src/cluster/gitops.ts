/**
 * Whether a GitOps controller owns an object and would re-apply Git over a
 * rollback made in the cluster. Read from the object's own metadata only.
 *
 * - Argo CD: annotation `argocd.argoproj.io/tracking-id` (annotation tracking,
 *   the default since Argo CD 3), label or annotation `argocd.argoproj.io/instance`
 *   (a common custom tracking key); `app.kubernetes.io/instance` is Argo CD's
 *   label-tracking key before 3.0, but Helm charts set it too, so alone it is
 *   only a warning. https://argo-cd.readthedocs.io/en/stable/user-guide/resource_tracking/
 * - Flux: labels `kustomize.toolkit.fluxcd.io/name` (+ `/namespace`) and
 *   `helm.toolkit.fluxcd.io/name` (+ `/namespace`).
 */

export type GitOpsController = 'argocd' | 'flux-kustomization' | 'flux-helmrelease';

export interface GitOpsOwner {
  controller: GitOpsController;
  /** The Application / Kustomization / HelmRelease name (and namespace when known). */
  name: string;
  namespace?: string;
  /** `certain`: a tracking key only that controller writes; `possible`: a shared key. */
  certainty: 'certain' | 'possible';
  /** The label or annotation that says so, as `key=value`. */
  evidence: string;
}

interface Meta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function detectGitOps(meta: Meta): GitOpsOwner[] {
  const labels = meta.labels ?? {};
  const annotations = meta.annotations ?? {};
  const owners: GitOpsOwner[] = [];
  const trackingId = annotations['argocd.argoproj.io/tracking-id'];
  if (trackingId) {
    // <app>:<group>/<kind>:<namespace>/<name>; the app may be <namespace>_<app> for apps outside argocd's namespace.
    const app = trackingId.split(':')[0] ?? trackingId;
    const [ns, name] = app.includes('_') ? [app.slice(0, app.indexOf('_')), app.slice(app.indexOf('_') + 1)] : [undefined, app];
    owners.push({ controller: 'argocd', name: name!, ...(ns ? { namespace: ns } : {}), certainty: 'certain', evidence: `annotation argocd.argoproj.io/tracking-id=${trackingId}` });
  }
  for (const [where, map] of [['label', labels], ['annotation', annotations]] as const) {
    const v = map['argocd.argoproj.io/instance'];
    if (v && !owners.some((o) => o.controller === 'argocd')) {
      owners.push({ controller: 'argocd', name: v, certainty: 'certain', evidence: `${where} argocd.argoproj.io/instance=${v}` });
    }
  }
  const instance = labels['app.kubernetes.io/instance'];
  if (instance && !owners.some((o) => o.controller === 'argocd')) {
    owners.push({ controller: 'argocd', name: instance, certainty: 'possible', evidence: `label app.kubernetes.io/instance=${instance}${labels['app.kubernetes.io/managed-by'] ? ` (managed-by ${labels['app.kubernetes.io/managed-by']})` : ''}` });
  }
  const ks = labels['kustomize.toolkit.fluxcd.io/name'];
  if (ks) {
    const ns = labels['kustomize.toolkit.fluxcd.io/namespace'];
    owners.push({ controller: 'flux-kustomization', name: ks, ...(ns ? { namespace: ns } : {}), certainty: 'certain', evidence: `label kustomize.toolkit.fluxcd.io/name=${ks}` });
  }
  const hr = labels['helm.toolkit.fluxcd.io/name'];
  if (hr) {
    const ns = labels['helm.toolkit.fluxcd.io/namespace'];
    owners.push({ controller: 'flux-helmrelease', name: hr, ...(ns ? { namespace: ns } : {}), certainty: 'certain', evidence: `label helm.toolkit.fluxcd.io/name=${hr}` });
  }
  return owners;
}

export function describeOwner(o: GitOpsOwner): string {
  const what = o.controller === 'argocd' ? 'Argo CD Application' : o.controller === 'flux-kustomization' ? 'Flux Kustomization' : 'Flux HelmRelease';
  return `${what} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** What to do instead of (or before) a cluster-side rollback of a GitOps-owned object. */
export function gitOpsHint(o: GitOpsOwner): string {
  switch (o.controller) {
    case 'argocd':
      return `Revert the change in Git and let ${describeOwner(o)} sync, or disable its auto-sync first; otherwise the next sync re-applies the current version.`;
    case 'flux-kustomization':
      return `Revert the change in Git, or suspend ${describeOwner(o)} first (flux suspend kustomization ${o.name}); otherwise the next reconcile re-applies the current version.`;
    case 'flux-helmrelease':
      return `Revert the change in Git, or suspend ${describeOwner(o)} first (flux suspend helmrelease ${o.name}); otherwise the next reconcile re-applies the current version.`;
  }
}

/**
 * The Helm release an object belongs to: Helm 3 annotates what it installs
 * with `meta.helm.sh/release-name` and `meta.helm.sh/release-namespace`. A
 * kubectl-style rollback of such an object is undone by the release's next
 * upgrade or rollback; rolling back the release is the consistent move.
 */
export function helmOwner(meta: Meta): { name: string; namespace?: string } | undefined {
  const name = meta.annotations?.['meta.helm.sh/release-name'];
  if (!name) return undefined;
  const namespace = meta.annotations?.['meta.helm.sh/release-namespace'];
  return { name, ...(namespace ? { namespace } : {}) };
}
