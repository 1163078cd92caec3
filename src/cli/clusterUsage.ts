// Usage texts of the cluster commands. Kept apart from the commands so main.ts
// can show them without loading the cluster code (@kubernetes/client-node).

// The options several commands share, written once.
const NAMESPACE = `  -n, --namespace NS        namespace (default: the context's namespace)`;
const CLUSTER = `      --context NAME        kube context (default: current-context)
      --kubeconfig FILE     kubeconfig file (default: KUBECONFIG or ~/.kube/config)`;
const SERVER_DRY_RUN = `      --dry-run             run the preflight (including the server-side dry run) and stop`;
const REASON = `      --reason TEXT         why; recorded in the evidence`;
const CONFIRM = `  -y, --yes                 do not ask for confirmation (needed when stdin is not a terminal)
      --confirm-context NAME  the context name typed back (required for production contexts)`;
const EVIDENCE = `      --evidence-dir DIR    where to write the evidence (default: .rollback-guard/evidence)`;
const CONFIG = `      --config FILE         repository configuration (production.contexts)`;
const OUTPUT = `      --format text|json    output format (default: text)
  -h, --help                show this help`;

export const HISTORY_USAGE = `Usage: rollback-guard history [KIND/NAME] [options]

Shows the revision history of a Deployment, StatefulSet, DaemonSet or Argo
Rollout (revision, images, change-cause, created time, which one is live), of a
Helm release (the columns of helm history, read from its release Secrets), or
of an Argo CD Application (status.history: id, revision, source, deployed at) —
or of all of them in a namespace, with Flux objects' suspend state, when
KIND/NAME is left out. Reads one list per kind, never one call per object.

KIND: deployment (deploy), statefulset (sts), daemonset (ds), rollout (ro),
helm-release (release) for a Helm release, application (app) for Argo CD.
helmrelease/NAME, the earlier spelling, names a Helm release here too; Flux's
HelmRelease is suspended and resumed with the flux command.

Options:
${NAMESPACE}
  -A, --all-namespaces      every namespace (without KIND/NAME)
${CLUSTER}
      --revision N          print revision N's pod template (a Helm release: its values
                            and manifest, secret-looking values redacted; an Application:
                            history entry N)
      --diff N[..M]         diff revision N against the live one (or against revision M)
${OUTPUT}

Exit status: 0 shown, 1 the cluster could not be read (unreachable, forbidden,
not found), 2 usage or kubeconfig error.`;

export const UNDO_USAGE = `Usage: rollback-guard undo KIND/NAME [options]

Rolls a Deployment, StatefulSet or DaemonSet back to an earlier revision with
the result \`kubectl rollout undo --to-revision\` gives (a Rollout: \`kubectl
argo rollouts undo\`), after a preflight: context (production contexts need
their name typed back), GitOps ownership, paused, RBAC (SelfSubjectAccessReview),
a server-side dry run and the pod template diff. The patch carries the
resourceVersion the preflight read, so a concurrent change aborts it. Follows
the rollout and writes an evidence record.

helm-release/NAME runs \`helm rollback --namespace=NS --kube-context=CTX --wait -- NAME N\`
(the helm binary: --helm PATH, else helm on PATH) after the same preflight,
with RBAC on the release Secrets and every object the rollback changes.
application/NAME sets the Argo CD Application's operation.sync from history
entry N (--to-revision is the history id), as \`argocd app rollback\` does;
refused while auto-sync is on unless --pause-auto-sync.

Options:
      --to-revision N       revision (Argo CD: history id) to go back to (default: the previous one)
${NAMESPACE}
${CLUSTER}
${SERVER_DRY_RUN}
${REASON}
${CONFIRM}
      --allow-gitops        roll back even though Argo CD or Flux manages the object
${EVIDENCE}
      --timeout SECONDS     how long to follow the rollout (default: 300)
      --no-wait             do not follow the rollout (helm: no --wait; Argo CD: do not follow the sync)
      --repo DIR            the Git repository of the manifests, for the schema check: which migrations
                            changed between the two revisions (found through the images; default: .)
      --no-repo             skip the schema check
      --helm PATH           the helm binary (helm-release/NAME; default: helm on PATH)
      --pause-auto-sync     pause the Application's auto-sync first (application/NAME)
${CONFIG}
${OUTPUT}

Exit status: 0 rolled back (or already at that revision, or a dry run that
would pass), 1 refused or failed, 2 usage or configuration error.`;

export const ROLLOUT_USAGE = `Usage: rollback-guard rollout abort|promote|retry rollout/NAME [options]

Acts on an Argo Rollout with the patches \`kubectl argo rollouts\` sends:
  abort     status.abort=true on the status subresource: the stable ReplicaSet
            takes the traffic back (spec.template still names the new version;
            undo it with rollback-guard undo rollout/NAME)
  promote   unpause, or move a canary to its next step (--full: skip the
            remaining steps, analysis and pauses)
  retry     status.abort=false: an aborted rollout tries the new version again
After a preflight (context, RBAC for the exact subresource, a server-side dry
run); writes an evidence record.

Options:
      --full                promote fully (promote only)
${NAMESPACE}
${CLUSTER}
${SERVER_DRY_RUN}
${REASON}
${CONFIRM}
${EVIDENCE}
${CONFIG}
${OUTPUT}

Exit status: 0 done (or nothing to change, or a dry run that would pass),
1 refused or failed, 2 usage or configuration error.`;

export const FLUX_USAGE = `Usage: rollback-guard flux suspend|resume kustomization/NAME|helmrelease/NAME [options]

Suspends or resumes the reconciliation of a Flux Kustomization (ks/NAME) or
HelmRelease (hr/NAME) with the patch \`flux suspend\` / \`flux resume\` sends
(spec.suspend), after a preflight (context, RBAC, a server-side dry run);
writes an evidence record. Suspend before rolling back what it manages in the
cluster, or its next reconcile re-applies Git.

Options:
      --reason TEXT         why; recorded in the evidence and, for suspend, in the
                            suspend.toolkit.fluxcd.io/reason annotation (as flux --reason)
      --wait                after resume, wait until it is Ready again (as flux resume)
      --timeout SECONDS     how long to wait (default: 300)
${NAMESPACE}
${CLUSTER}
      --dry-run             run the preflight and stop
${CONFIRM}
${EVIDENCE}
${CONFIG}
${OUTPUT}

Exit status: 0 done (or already in that state, or a dry run that would pass),
1 refused or failed, 2 usage or configuration error.`;

export const HOLD_USAGE = `Usage: rollback-guard hold start|status|resume KIND/NAME [options]

A rollback GitOps will not undo, for a Deployment, StatefulSet, DaemonSet or
Rollout that Flux or Argo CD manages:

  start     pause the narrowest loop that would re-apply it (the Flux
            Kustomization or HelmRelease that owns it, an ImageUpdateAutomation
            writing into the same source and path, the Argo CD Application's
            automated sync), roll it back as \`undo\` does, and hold it: the
            rollout must complete, then it must stay healthy for --window
            (pods ready, restarts not rising, no new Warning events)
  status    where the flow stands: "held by Rollback Guard since 12:03 ·
            healthy 4/5 min · Git matches live: no", the loops, the health now;
            records the verdict once the window passed or a check failed
  resume    put back exactly what was paused and end the hold — once Git,
            at the revision the loops read, names what runs (Flux: the
            manifest at the GitRepository's revision in --repo; Argo CD: its
            own comparison) and the window passed; otherwise only with
            --reapply (or "reapply" typed at the prompt), naming what Git
            would re-apply

The state lives on the objects (annotations rollback-guard.io/hold on the
workload, rollback-guard.io/paused on each paused loop), so a flow stopped at
any step can be looked at and finished later, from here or the editor.

Options:
      --to-revision N       revision to go back to (start; default: the previous one)
      --window DURATION     verification window: seconds, or 5m (start; default: 5m)
      --wait                start, status: follow the window until it passes or fails
      --repo DIR            the Git repository the Flux source is a clone of (default: .)
      --reapply             resume although Git does not match or the window has not passed
${NAMESPACE}
${CLUSTER}
      --dry-run             start: run the preflight and stop
${REASON}
${CONFIRM}
${EVIDENCE}
      --timeout SECONDS     how long to follow the rollout (default: 300)
${CONFIG}
${OUTPUT}

Exit status: 0 done (held, shown, resumed), 1 refused or failed (or --wait
saw the validation fail), 2 usage or configuration error.`;
