// Usage texts of the cluster commands. Kept apart from the commands so main.ts
// can show them without loading the cluster code (@kubernetes/client-node).

export const HISTORY_USAGE = `Usage: rollback-guard history [KIND/NAME] [options]

Shows the revision history of a Deployment, StatefulSet or DaemonSet (revision,
images, change-cause, created time, which one is live), or of every one of them
in a namespace when KIND/NAME is left out. Reads one list per kind, never one
call per workload.

Options:
  -n, --namespace NS        namespace (default: the context's namespace)
  -A, --all-namespaces      every namespace (without KIND/NAME)
      --context NAME        kube context (default: current-context)
      --kubeconfig FILE     kubeconfig file (default: KUBECONFIG or ~/.kube/config)
      --revision N          print revision N's pod template
      --diff N[..M]         diff revision N against the live template (or against revision M)
      --format text|json    output format (default: text)
  -h, --help                show this help

Exit status: 0 shown, 1 the cluster could not be read (unreachable, forbidden,
not found), 2 usage or kubeconfig error.`;

export const UNDO_USAGE = `Usage: rollback-guard undo KIND/NAME [options]

Rolls a Deployment, StatefulSet or DaemonSet back to an earlier revision with
the result \`kubectl rollout undo --to-revision\` gives, after a preflight:
context (production contexts need their name typed back), GitOps ownership,
paused, RBAC (SelfSubjectAccessReview), a server-side dry run and the pod
template diff. The patch carries the resourceVersion the preflight read, so a
concurrent change aborts it. Follows the rollout and writes an evidence record.

Options:
      --to-revision N       revision to go back to (default: the previous one)
  -n, --namespace NS        namespace (default: the context's namespace)
      --context NAME        kube context (default: current-context)
      --kubeconfig FILE     kubeconfig file (default: KUBECONFIG or ~/.kube/config)
      --dry-run             run the preflight (including the server-side dry run) and stop
      --reason TEXT         why; recorded in the evidence
  -y, --yes                 do not ask for confirmation (needed when stdin is not a terminal)
      --confirm-context NAME  the context name typed back (required for production contexts)
      --allow-gitops        roll back even though Argo CD or Flux manages the object
      --evidence-dir DIR    where to write the evidence (default: .rollback-guard/evidence)
      --timeout SECONDS     how long to follow the rollout (default: 300)
      --no-wait             do not follow the rollout
      --config FILE         repository configuration (production.contexts)
      --format text|json    output format (default: text)
  -h, --help                show this help

Exit status: 0 rolled back (or already at that revision, or a dry run that
would pass), 1 refused or failed, 2 usage or configuration error.`;
