/**
 * The production-context guard: contexts matching a `production.contexts`
 * glob from .rollbackguard.yaml need their name typed back before a rollback.
 *
 * Context names are flat strings that often hold `/` and `:`
 * (`arn:aws:eks:eu-west-1:1234:cluster/prod-eu`, `gke_proj_zone_prod`), so
 * `*` matches any run of characters including `/`, `?` one character, and
 * `[abc]`/`[!a-z]` a class. Matching ignores case: a guard should err on the
 * side of asking.
 */

export interface ProductionMatch {
  production: boolean;
  /** The first pattern that matched. */
  pattern?: string;
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

export function matchProductionContext(context: string, patterns: readonly string[]): ProductionMatch {
  for (const pattern of patterns) if (globToRegExp(pattern).test(context)) return { production: true, pattern };
  return { production: false };
}

/** True when the caller typed back exactly the context name (case and all). */
export function contextConfirmed(context: string, typed: string | undefined): boolean {
  return typed !== undefined && typed.trim() === context;
}
