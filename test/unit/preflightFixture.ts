import type { Preflight, PreflightCheck } from '../../src/cluster';

/**
 * A workload preflight of deployment/catalog in namespace bookstore, revision
 * 3 → 1, in context rg-admin (prod-eu when `production`): the frame the panel,
 * review and view tests share; each gives the checks, plan and diff it tests.
 */
export function workloadPreflight(o: { checks: PreflightCheck[]; plan: Preflight['plan']; diff: Preflight['diff']; production?: boolean; blocking?: Preflight['blocking']; gitops?: Preflight['gitops']; at?: string }): Preflight {
  return {
    request: { ref: { kind: 'Deployment', namespace: 'bookstore', name: 'catalog' }, toRevision: 1 },
    context: { name: o.production ? 'prod-eu' : 'rg-admin', cluster: 'c', user: 'admin', namespace: 'default', auth: 'token' },
    server: 'https://127.0.0.1:6443',
    production: o.production ? { production: true, pattern: 'prod-*' } : { production: false },
    plan: o.plan,
    history: {} as Preflight['history'],
    diff: o.diff,
    gitops: o.gitops ?? [],
    checks: o.checks,
    blocking: o.blocking ?? [],
    at: o.at ?? '2025-03-01T12:00:00Z',
    calls: 6,
  };
}
