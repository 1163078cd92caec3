/** Who the server thinks we are, and whether it lets us do one exact thing. */
import type { KubeClient } from './client';
import { ok, type Result } from './errors';

export interface Permission {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface AccessDecision {
  permission: Permission;
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason?: string;
}

export function permissionText(p: Permission): string {
  return `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}${p.name ? ` "${p.name}"` : ''}${p.namespace ? ` in namespace "${p.namespace}"` : ''}`;
}

/** A SelfSubjectAccessReview for exactly this verb/resource/namespace/name. */
export async function canI(client: KubeClient, permission: Permission): Promise<Result<AccessDecision>> {
  const r = await client.request<{ status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { ...permission } },
    },
  });
  if (!r.ok) return r;
  const status = r.value.status ?? {};
  const reason = status.reason || status.evaluationError;
  return ok({ permission, allowed: status.allowed === true, ...(reason ? { reason } : {}) });
}

export interface Identity {
  username: string;
  groups: string[];
  uid?: string;
}

/**
 * The authenticated user from a SelfSubjectReview (authentication.k8s.io/v1,
 * Kubernetes ≥ 1.28). Undefined when the server does not offer it.
 */
export async function whoAmI(client: KubeClient): Promise<Identity | undefined> {
  const r = await client.request<{ status?: { userInfo?: { username?: string; groups?: string[]; uid?: string } } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  const info = r.ok ? r.value.status?.userInfo : undefined;
  if (!info?.username) return undefined;
  return { username: info.username, groups: info.groups ?? [], ...(info.uid ? { uid: info.uid } : {}) };
}
