import { podTemplate, describeContainer } from '../../k8s/workload';
import { parseImageReference } from '../../k8s/image';
import { defineManifestRule } from './context';

export default defineManifestRule({
  meta: {
    id: 'RG101',
    name: 'mutable-image-reference',
    severity: 'warning',
    rollbackClass: 'manual-repair',
    layer: 'code',
    scope: 'manifest',
    summary: 'A container image is not pinned to a digest, so rolling back to this revision is not deterministic.',
    help: 'Pin every image to a version tag and its digest (`app:1.4.2@sha256:…`), so a rollback starts exactly the bits that ran.',
  },
  check(ctx) {
    const pod = podTemplate(ctx.doc);
    if (!pod) return;
    for (const container of pod.containers) {
      const node = ctx.nav.get(container.node, 'image');
      const image = ctx.nav.str(node);
      // A templated image is decided at install time; the chart's values are judged there.
      if (!image || ctx.templated(node)) continue;
      const ref = parseImageReference(image);
      if (ref.digest?.startsWith('sha256:')) continue;
      const who = describeContainer(container);
      if (ref.tag === undefined || ref.tag === 'latest') {
        const why = ref.tag === undefined ? 'has no tag, which means `:latest`' : 'uses `:latest`';
        ctx.report({
          node,
          message: `Image \`${image}\` of ${who} ${why}: what it names changes with every push, so rolling back to this revision may start an image that never ran here, or one that is gone.`,
        });
      } else {
        ctx.report({
          node,
          severity: 'hint',
          message: `Image \`${image}\` of ${who} is pinned by tag only: a tag can be re-pushed or deleted, so a rollback to this revision is not guaranteed to run the same image. Add its digest (\`@sha256:…\`).`,
        });
      }
    }
  },
});
