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
import RG116 from './manifest/RG116-api-removed-in-target-version';
import { META_RULES } from './meta';
import type { MigrationRule } from './migration/context';
import RG201 from './migration/RG201-drop-table';
import RG202 from './migration/RG202-drop-column';
import RG203 from './migration/RG203-rename';
import RG204 from './migration/RG204-column-type-change';
import RG205 from './migration/RG205-not-null-without-default';
import RG206 from './migration/RG206-relaxed-constraint';
import RG207 from './migration/RG207-data-mutation';
import RG208 from './migration/RG208-enum-change';
import RG209 from './migration/RG209-missing-down';
import RG210 from './migration/RG210-lossy-down';
import RG211 from './migration/RG211-expand-and-contract-together';
import RG212 from './migration/RG212-lock-heavy-ddl';
import RG213 from './migration/RG213-constraint-tightened';
import { RELEASE_RULES } from './release';

/** Rules that judge one Kubernetes document, in id order. */
export const MANIFEST_RULES: readonly ManifestRule[] = [RG101, RG102, RG103, RG104, RG105, RG107, RG109, RG110, RG111, RG113, RG114, RG115, RG116];

/** Rules that judge one migration (its up and down together), in id order. */
export const MIGRATION_RULES: readonly MigrationRule[] = [RG201, RG202, RG203, RG204, RG205, RG206, RG207, RG208, RG209, RG210, RG211, RG212, RG213];

export { RELEASE_RULES };

/** Every rule's meta, keyed by id (ids are ASCII: plain order, no collator to load at start-up): the registry the CLI, SARIF and docs read (RG113, RG115 and RG211 have a release part with the same meta). */
export const RULES: ReadonlyMap<string, RuleMeta> = new Map(
  [...META_RULES, ...MANIFEST_RULES.map((r) => r.meta), ...MIGRATION_RULES.map((r) => r.meta), ...RELEASE_RULES.map((r) => r.meta)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((m) => [m.id, m]),
);

export function ruleById(idOrName: string): RuleMeta | undefined {
  return RULES.get(idOrName) ?? [...RULES.values()].find((m) => m.name === idOrName);
}
