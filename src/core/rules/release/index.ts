import type { ReleaseRule } from './context';
import RG106 from './RG106-immutable-field-change';
import RG108 from './RG108-crd-version-removed';
import RG112 from './RG112-resource-removed';
import RG113 from './RG113-secret-in-manifest';
import RG115 from './RG115-declared-class-too-optimistic';
import RG211 from './RG211-expand-and-contract-together';
import RG301 from './RG301-code-rollback-meets-new-schema';
import RG302 from './RG302-several-axes-at-once';
import RG303 from './RG303-no-rollback-plan';

/**
 * Rules that judge a branch against its base, in id order. RG113, RG115 and
 * RG211 share their id and meta with the per-file rule of the same id: the
 * branch-mode part is a second check of the same risk.
 */
export const RELEASE_RULES: readonly ReleaseRule[] = [RG106, RG108, RG112, RG113, RG115, RG211, RG301, RG302, RG303];
