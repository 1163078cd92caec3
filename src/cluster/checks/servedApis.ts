/**
 * The API-removal boundary: whether the server still serves every
 * apiVersion/kind a revision's objects use, found through discovery (one GET
 * per group/version, as kubectl's discovery client reads them). A Helm
 * release revision or an Argo CD revision written before a cluster upgrade
 * may use a version the upgraded server no longer serves; rolling back to it
 * fails half-way. Such a revision is refused with the reason and the fix —
 * map the stored manifests to served versions, as helm-mapkubeapis does.
 */
import { apiRemoval, type ApiRemoval } from '../../core/k8s/apiRemovals';
import type { KubeClient } from '../client';
import type { ClusterError } from '../errors';
import type { PreflightCheck } from '../preflight';

export interface ObjectKind {
  apiVersion: string;
  kind: string;
  name: string;
}

export interface Unserved extends ObjectKind {
  removal?: ApiRemoval;
}

/** kind names each group/version serves; `undefined` when discovery could not tell (not a 404). */
export type Discovery = Map<string, Set<string> | 'not-served' | 'unknown'>;

const caches = new WeakMap<KubeClient, Map<string, Promise<Set<string> | 'not-served' | 'unknown'>>>();

/** Discovery of `apiVersions`, one GET each, remembered per client for the session. */
export async function discover(client: KubeClient, apiVersions: Iterable<string>): Promise<Discovery> {
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new Map()));
  const out: Discovery = new Map();
  await Promise.all(
    [...new Set(apiVersions)].filter(Boolean).map(async (apiVersion) => {
      let pending = cache!.get(apiVersion);
      if (!pending) {
        pending = (async () => {
          const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
          const r = await client.request<{ resources?: { name: string; kind: string }[] }>({ path });
          if (!r.ok) return r.error.kind === 'not-found' ? ('not-served' as const) : ('unknown' as const);
          return new Set((r.value.resources ?? []).filter((x) => !x.name.includes('/')).map((x) => x.kind));
        })();
        cache!.set(apiVersion, pending);
        // A failure that was not a definite answer is asked again next time.
        void pending.then((v) => v === 'unknown' && cache!.delete(apiVersion));
      }
      out.set(apiVersion, await pending);
    }),
  );
  return out;
}

/** The objects whose apiVersion/kind the server does not serve (definite answers only). */
export function unservedOf(objects: readonly ObjectKind[], discovery: Discovery): Unserved[] {
  const out: Unserved[] = [];
  for (const o of objects) {
    const served = discovery.get(o.apiVersion);
    if (served === undefined || served === 'unknown') continue;
    if (served === 'not-served' || !served.has(o.kind)) {
      const removal = apiRemoval(o.apiVersion, o.kind);
      out.push({ ...o, ...(removal ? { removal } : {}) });
    }
  }
  return out;
}

function unservedText(u: Unserved): string {
  const instead = u.removal ? ` (removed in Kubernetes ${u.removal.removedIn}${u.removal.replacement ? `; use ${u.removal.replacement}` : ''})` : '';
  return `${u.kind} ${u.name}: ${u.apiVersion}${instead}`;
}

/**
 * The `apis` check of a rollback to a revision whose objects are `objects`:
 * a failure (blocking) naming each unserved apiVersion and the fix, or a pass.
 * `fix` is the command that maps the stored objects (helm mapkubeapis) when
 * there is one.
 */
export async function servedApisCheck(client: KubeClient, objects: readonly ObjectKind[], what: { revision: string; fix?: { hint: string; command?: string } }): Promise<{ check: PreflightCheck; error?: ClusterError & { fix?: { id: 'copy-command'; label: string; command: string } } }> {
  if (objects.length === 0) return { check: { id: 'apis', status: 'skipped', title: `the objects of ${what.revision} are not known here, so their API versions were not checked`, evidence: [] } };
  const discovery = await discover(client, objects.map((o) => o.apiVersion));
  const unknown = [...discovery.entries()].filter(([, v]) => v === 'unknown').map(([k]) => k);
  const unserved = unservedOf(objects, discovery);
  if (unserved.length === 0) {
    const versions = [...discovery.keys()].sort();
    return { check: { id: 'apis', status: unknown.length ? 'skipped' : 'pass', title: unknown.length ? `discovery did not answer for ${unknown.join(', ')}` : `the server serves every API version ${what.revision} uses`, evidence: [versions.join(', ')] } };
  }
  const error: ClusterError & { fix?: { id: 'copy-command'; label: string; command: string } } = {
    kind: 'api-not-served',
    message: `${what.revision} uses ${unserved.length === 1 ? 'an API version' : `${unserved.length} API versions`} this server no longer serves (${[...new Set(unserved.map((u) => `${u.apiVersion} ${u.kind}`))].join(', ')}): rolling back to it would fail`,
    hint: what.fix?.hint ?? 'Roll back to a revision that uses served API versions, or move its manifests to the replacements first.',
    ...(what.fix?.command ? { fix: { id: 'copy-command' as const, label: 'Copy the Fix Command', command: what.fix.command } } : {}),
  };
  return { check: { id: 'apis', status: 'fail', title: error.message, evidence: unserved.map(unservedText), error }, error };
}
