import { shortImage, parseImageReference } from '../../k8s/image';
import { helmHookPhases } from '../../k8s/hooks';
import { describeContainer, podTemplate } from '../../k8s/workload';
import { defineManifestRule } from './context';

/** Characters no image reference holds, which placeholders do: `<YOUR-IMAGE>`, `${IMAGE}`, `{{IMAGE}}`, `%IMAGE%`. */
const PLACEHOLDER = /[<>${}%\s]/;

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
    // A `helm test` Pod runs on demand only, never in an install, upgrade or rollback.
    const testHook = helmHookPhases(ctx.doc).some((p) => p.startsWith('test'));
    for (const container of pod.containers) {
      const node = ctx.nav.get(container.node, 'image');
      let image = ctx.nav.str(node);
      // A templated image is decided at install time; the chart's values are judged there.
      if (!image || ctx.templated(node)) continue;
      // ko builds `ko://<import path>` and deploys it by digest.
      if (image.startsWith('ko://')) continue;
      // A placeholder someone replaces before applying (`<YOUR-IMAGE>`, `${IMAGE}`) is no image reference.
      if (PLACEHOLDER.test(image)) continue;
      const replaced = ctx.project.imageReplacement?.(ctx.path, image);
      if (replaced?.pinned) continue;
      const by = replaced?.image ? ` (as ${replaced.by} sets it)` : '';
      if (replaced?.image) image = replaced.image;
      const ref = parseImageReference(image);
      if (ref.digest?.startsWith('sha256:')) continue;
      const who = describeContainer(container);
      const shown = shortImage(image);
      if ((ref.tag === undefined || ref.tag === 'latest') && !testHook) {
        const why = ref.tag === undefined ? 'has no tag' : 'uses `:latest`';
        ctx.report({
          node,
          message: `Image \`${shown}\` of ${who} ${why}${by}, so a rollback may start another image. What \`:latest\` names changes with every push, and the image that ran here may be gone. Pin a version tag and its digest.`,
        });
      } else {
        ctx.report({
          node,
          severity: 'hint',
          message: testHook
            ? `Image \`${shown}\` of ${who} in a \`helm test\` Pod is not pinned, so the test may run another image next time. Tests never run in an install, upgrade or rollback; add a tag and digest for repeatable tests.`
            : `Image \`${shown}\` of ${who} is pinned by tag only${by}, so a rollback may start another image. A tag can be re-pushed or deleted; add its digest (\`@sha256:…\`).`,
        });
      }
    }
  },
});
