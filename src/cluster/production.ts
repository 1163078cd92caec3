/**
 * The production-context guard: contexts matching a `production.contexts`
 * glob from .rollbackguard.yaml need their name typed back before a rollback.
 *
 * Context names are flat strings that often hold `/` and `:`
 * (`arn:aws:eks:eu-west-1:1234:cluster/prod-eu`, `gke_proj_zone_prod`), so
 * `*` matches any run of characters including `/`, `?` one character, and
 * `[abc]`/`[!a-z]` a class (core/glob.ts: no regular expression, so no
 * pattern can make matching slow). Matching ignores case: a guard should err
 * on the side of asking.
 */
import { compileGlob } from '../core/glob';

export interface ProductionMatch {
  production: boolean;
  /** The first pattern that matched. */
  pattern?: string;
}

export function matchProductionContext(context: string, patterns: readonly string[]): ProductionMatch {
  for (const pattern of patterns) {
    let matches: (name: string) => boolean;
    try {
      matches = compileGlob(pattern, { paths: false, ignoreCase: true });
    } catch {
      // A pattern the matcher refuses (configuration validation reports it) guards everything: err on the side of asking.
      return { production: true, pattern };
    }
    if (matches(context)) return { production: true, pattern };
  }
  return { production: false };
}

/** True when the caller typed back exactly the context name (case and all). */
export function contextConfirmed(context: string, typed: string | undefined): boolean {
  return typed !== undefined && typed.trim() === context;
}
