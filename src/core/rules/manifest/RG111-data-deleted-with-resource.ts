import { findKind, type KindRef } from '../../k8s/kinds';
import { describeObject } from '../../k8s/workload';
import { defineManifestRule } from './context';

interface DeletingField extends KindRef {
  path: readonly string[];
  /** Kubernetes' default when the field is absent, if that default deletes data. */
  defaultsToDelete?: boolean;
  consequence: string;
}

const DELETING_FIELDS: readonly DeletingField[] = [
  {
    kind: 'PersistentVolume',
    groups: [''],
    path: ['spec', 'persistentVolumeReclaimPolicy'],
    consequence: 'releasing its claim deletes its data',
  },
  {
    kind: 'StorageClass',
    groups: ['storage.k8s.io'],
    path: ['reclaimPolicy'],
    defaultsToDelete: true,
    consequence: 'every volume it provisions is deleted with its claim',
  },
  {
    kind: 'StatefulSet',
    groups: ['apps'],
    path: ['spec', 'persistentVolumeClaimRetentionPolicy', 'whenDeleted'],
    consequence: 'deleting it deletes its claims and their data',
  },
  {
    kind: 'StatefulSet',
    groups: ['apps'],
    path: ['spec', 'persistentVolumeClaimRetentionPolicy', 'whenScaled'],
    consequence: 'scaling down deletes the claims of the removed replicas and their data',
  },
];

export default defineManifestRule({
  meta: {
    id: 'RG111',
    name: 'data-deleted-with-resource',
    severity: 'warning',
    rollbackClass: 'restore-required',
    layer: 'data',
    scope: 'manifest',
    summary: 'Deleting or scaling the resource deletes its data, so a rollback by recreate needs a restore.',
    help: 'Use `Retain` for data you cannot regenerate (reclaim policy, `persistentVolumeClaimRetentionPolicy`), and keep a tested backup.',
  },
  check(ctx) {
    const { nav } = ctx;
    for (const field of DELETING_FIELDS) {
      if (findKind([field], ctx.doc) === undefined) continue;
      const parent = nav.at(ctx.doc.root, field.path.slice(0, -1));
      const pair = nav.pair(parent, field.path.at(-1)!);
      const value = pair ? nav.str(pair.value) : undefined;
      if (value === 'Delete') {
        ctx.report({ node: pair!.value, message: `${describeObject(ctx.doc)} has \`${field.path.at(-1)}: Delete\`, so ${field.consequence}. A rollback that recreates it cannot bring that data back.` });
      } else if (!pair && field.defaultsToDelete && !ctx.project.kustomizePatchOf?.(ctx.path) && ctx.injected(parent).length === 0) {
        // (The field may be printed by the template, `{{- toYaml .Values.storageClass | nindent 0 }}`.)
        ctx.report({
          node: nav.pair(nav.get(ctx.doc.root, 'metadata'), 'name') ?? nav.pair(ctx.doc.root, 'kind')!,
          message: `${describeObject(ctx.doc)} sets no \`${field.path.at(-1)}\` (default \`Delete\`), so ${field.consequence}. A rollback that recreates a claim cannot bring that data back.`,
        });
      }
    }
  },
});
