/**
 * Typed results for every cluster operation. Nothing in src/cluster throws
 * for an expected failure (unreachable server, 403, conflict, paused object):
 * it returns `{ ok: false, error }` whose message says what happened and whose
 * hint says what to do. The CLI prints them; the extension shows them.
 */

export type ClusterErrorKind =
  /** Kubeconfig missing, unreadable, or the context does not exist. */
  | 'config'
  /** The API server did not answer (connection refused, DNS, timeout). */
  | 'unreachable'
  /** TLS handshake failed (unknown CA, wrong server name). */
  | 'tls'
  /** 401: the credentials were rejected or expired. */
  | 'unauthorized'
  /** 403, or a SelfSubjectAccessReview said no. */
  | 'forbidden'
  | 'not-found'
  /** 409: the object changed since it was read. */
  | 'conflict'
  /** 422/400: the server rejected the request body. */
  | 'invalid'
  /** A Deployment with spec.paused: kubectl refuses to roll it back too. */
  | 'paused'
  /** Argo CD or Flux manages the object and would re-apply Git over the rollback. */
  | 'gitops-owned'
  /** A production context whose name was not typed back. */
  | 'production-unconfirmed'
  /** The object has no earlier revision to go back to. */
  | 'no-history'
  | 'revision-not-found'
  /** The server-side dry run rejected the patch. */
  | 'dry-run-failed'
  /** The rollout did not complete (progress deadline exceeded). */
  | 'rollout-failed'
  /** The rollout did not complete within the timeout. */
  | 'timeout'
  | 'unsupported'
  /** A tool the operation runs (the helm binary) is not installed. */
  | 'tool-missing'
  /** An Argo CD Application syncs automatically: Argo CD refuses a rollback until auto-sync is off. */
  | 'auto-sync'
  | 'cancelled'
  /** An image (or chart version) of the target revision is gone from its registry. */
  | 'artifact-missing'
  /** The target revision uses an API version the server no longer serves. */
  | 'api-not-served'
  /** A Rollback Guard flow holds the object or the loop (paused for another rollback). */
  | 'held'
  /** The step needs an explicit confirmation of what it will do (resuming while Git does not match). */
  | 'needs-confirmation'
  /** 5xx, 429 or an unexpected answer. */
  | 'server';

export interface ClusterError {
  kind: ClusterErrorKind;
  /** What happened, with the names involved (server, object, verb, user). */
  message: string;
  /** What to do about it. */
  hint: string;
  /** HTTP status when the error came from the API server. */
  status?: number;
  /** For `forbidden`: the exact permission that is missing. */
  permission?: { verb: string; group: string; resource: string; namespace?: string; name?: string; user?: string };
  /** For `unreachable`/`tls`: the server URL and the low-level code (ECONNREFUSED, ETIMEDOUT, …). */
  server?: string;
  code?: string;
}

export type Result<T, E = ClusterError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(kind: ClusterErrorKind, message: string, hint: string, extra: Partial<ClusterError> = {}): { ok: false; error: ClusterError } {
  return { ok: false, error: { kind, message, hint, ...extra } };
}

/** One line for logs and the CLI: the message, then the hint. */
export function formatError(error: ClusterError): string {
  return error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
}
