import { describeContainer, describeObject, podTemplate, type ContainerRef } from '../../k8s/workload';
import { matchMigration } from '../../k8s/migrationCommands';
import type { YamlNav } from '../../yaml/nodes';
import { defineManifestRule, type ManifestContext } from './context';
import { trimEndOf } from '../../text';

/** Kinds whose every container is a one-off task; elsewhere only init containers run to completion. */
const TASK_KINDS = new Set(['Job', 'CronJob']);

export default defineManifestRule({
  meta: {
    id: 'RG110',
    name: 'migration-in-release',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'manifest',
    summary: 'A Job, CronJob or init container runs a schema migration, so the schema change rides with the code.',
    help: 'Ship schema changes as expand/contract steps that the previous release can run against, and run them as a separate, reviewed step; a code rollback must never meet a schema it cannot read.',
  },
  check(ctx) {
    const pod = podTemplate(ctx.doc);
    if (!pod) return;
    const { nav } = ctx;
    const everyContainer = TASK_KINDS.has(pod.workload.kind);
    for (const container of pod.containers) {
      if (!everyContainer && container.role !== 'initContainer') continue;
      const entries: { node: unknown; text: string }[] = [];
      for (const field of ['command', 'args']) {
        for (const node of nav.items(nav.get(container.node, field))) {
          const text = nav.str(node);
          if (text !== undefined) entries.push({ node, text });
        }
      }
      const env = literalEnv(nav, container);
      const imageNode = nav.get(container.node, 'image');
      const image = ctx.templated(imageNode) ? undefined : nav.str(imageNode);
      let match = matchMigration(image, entries.map((e) => e.text), env);
      let via = '';
      if (!match) {
        // A script mounted from a ConfigMap of the same release: `sh /scripts/migrate.sh`.
        const script = mountedScript(ctx, pod.spec, container, entries);
        const inner = script ? matchMigration(undefined, script.text.split('\n'), env) : undefined;
        if (script && inner) {
          match = { tool: inner.tool, source: script.entry };
          via = ` It runs ${script.path} from ConfigMap \`${script.configMap}\`.`;
        }
      }
      if (!match) continue;
      ctx.report({
        node: match.source === -1 ? imageNode : entries[match.source]!.node,
        message: `${capitalize(describeContainer(container))} of ${describeObject(ctx.doc)} migrates the schema (${match.tool}), so a code rollback meets the new schema.${via} The previous version must be able to run against it.`,
      });
    }
  },
});

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The container's `env` entries with a literal value. */
function literalEnv(nav: YamlNav, container: ContainerRef): Map<string, string> {
  const env = new Map<string, string>();
  for (const item of nav.items(nav.get(container.node, 'env'))) {
    const name = nav.str(nav.get(item, 'name'));
    const value = nav.str(nav.get(item, 'value'));
    if (name && value !== undefined) env.set(name, value);
  }
  return env;
}

/**
 * The script a command runs from a ConfigMap volume, when the same file (or
 * rendered chart) defines that ConfigMap: the command names a file under a
 * `volumeMounts` path whose volume is the ConfigMap, and its data holds the
 * file's text.
 */
function mountedScript(
  ctx: ManifestContext,
  spec: unknown,
  container: ContainerRef,
  entries: readonly { text: string }[],
): { text: string; entry: number; path: string; configMap: string } | undefined {
  const { nav } = ctx;
  const mounts = nav.items(nav.get(container.node, 'volumeMounts')).flatMap((m) => {
    const name = nav.str(nav.get(m, 'name'));
    const path = nav.str(nav.get(m, 'mountPath'));
    return name && path ? [{ name, path: trimEndOf(path, '/') }] : [];
  });
  if (mounts.length === 0) return undefined;
  for (let entry = 0; entry < entries.length; entry++) {
    for (const word of entries[entry]!.text.split(/[\s;&|()'"]+/)) {
      const mount = mounts.find((m) => word.startsWith(`${m.path}/`));
      if (!mount) continue;
      const file = word.slice(mount.path.length + 1);
      const volume = nav.items(nav.get(spec, 'volumes')).find((v) => nav.str(nav.get(v, 'name')) === mount.name);
      const configMap = ctx.display(nav.at(volume, ['configMap', 'name']));
      if (!configMap) continue;
      // `items` maps keys to paths; without it each key is a file.
      const item = nav.items(nav.at(volume, ['configMap', 'items'])).find((i) => nav.str(nav.get(i, 'path')) === file);
      const key = item ? nav.str(nav.get(item, 'key')) : file;
      const doc = ctx.unit.find((d) => d.kind === 'ConfigMap' && d.group === '' && d.name === configMap);
      const text = doc && key ? doc.nav.str(doc.nav.at(doc.root, ['data', key])) : undefined;
      if (text !== undefined) return { text, entry, path: word, configMap };
    }
  }
  return undefined;
}
