import type { RuleMeta } from '../rule';
import type { ManifestRule } from './manifest/context';
import RG101 from './manifest/RG101-mutable-image-reference';
import RG102 from './manifest/RG102-no-revision-history';
import RG103 from './manifest/RG103-unversioned-config-reference';
import RG104 from './manifest/RG104-no-health-gate';
import RG105 from './manifest/RG105-disruptive-rollout-strategy';
import RG107 from './manifest/RG107-gitops-controller-reapplies';
import RG109 from './manifest/RG109-helm-hook-side-effect';
import RG110 from './manifest/RG110-migration-in-release';
import RG111 from './manifest/RG111-data-deleted-with-resource';
import RG113 from './manifest/RG113-secret-in-manifest';
import RG114 from './manifest/RG114-unsafe-canary-abort';
import RG115 from './manifest/RG115-declared-class-too-optimistic';
import { META_RULES } from './meta';

/** Rules that judge one Kubernetes document, in id order. */
export const MANIFEST_RULES: readonly ManifestRule[] = [RG101, RG102, RG103, RG104, RG105, RG107, RG109, RG110, RG111, RG113, RG114, RG115];

/** Every rule's meta, keyed by id: the registry the CLI, SARIF and docs read. */
export const RULES: ReadonlyMap<string, RuleMeta> = new Map(
  [...META_RULES, ...MANIFEST_RULES.map((r) => r.meta)].sort((a, b) => a.id.localeCompare(b.id)).map((m) => [m.id, m]),
);

export function ruleById(idOrName: string): RuleMeta | undefined {
  return RULES.get(idOrName) ?? [...RULES.values()].find((m) => m.name === idOrName);
}
