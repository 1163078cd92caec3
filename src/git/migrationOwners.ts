import { posix } from 'node:path';
import type { Engine } from '../core/engine';
import { parseImageReference } from '../core/k8s/image';
import { matchMigration } from '../core/k8s/migrationCommands';
import { podTemplate } from '../core/k8s/workload';
import { parseManifestFile } from '../core/yaml/manifest';
import { compileGlobs, GlobError } from '../core/glob';
import { trimEndOf, trimStartOf } from '../core/text';
import type { GitRepo } from './repo';
import type { WorkloadKey } from './schemaChanges';

/**
 * Which migrations belong to a workload, so a rollback of `catalog` counts
 * catalog's schema and not another service's. In order, the first that
 * answers:
 *
 * 1. an explicit mapping in .rollbackguard.yaml (`migrations.owners`: a
 *    workload `kind/name` or an image repository, and the paths it owns);
 * 2. the migration Job or init container in the same manifests (the
 *    workload's own init containers, Jobs and CronJobs in the manifest's
 *    directory): the directory its command names, or the only migration
 *    directory of the tool it runs;
 * 3. the image repository: the migration directory whose path has a segment
 *    named like the repository's last segment (`…/orders` → `services/orders/…`).
 *
 * When none answers, the mapping is unknown, and that is said: the
 * migrations are not attributed by guessing.
 */

export interface MigrationOwner {
  /** `deployment/catalog`, `rollout/orders`, or `namespace/kind/name`. */
  workload?: string;
  /** An image repository, `ghcr.io/bookstore/orders` (tag and digest ignored). */
  image?: string;
  /** Directories or globs, relative to the repository root. */
  paths: readonly string[];
}

export type Ownership = { known: true; by: string; owns: (path: string) => boolean; dirs: string[] } | { known: false; why: string };

/**
 * A matcher for directories or globs (a directory owns what is under it),
 * with the matcher that cannot backtrack; a pattern it refuses (the
 * configuration refuses those at their line) matches literally.
 */
function globsOf(paths: readonly string[]): (path: string) => boolean {
  const patterns = paths.map((p) => trimEndOf(p.replace(/^\.\//, ''), '/')).flatMap((p) => (/[*?[{]/.test(p) ? [p] : [p, `${p}/**`]));
  try {
    return compileGlobs(patterns, { paths: true });
  } catch (error) {
    if (!(error instanceof GlobError)) throw error;
    return (path) => patterns.some((p) => path === p || path.startsWith(`${p}/`));
  }
}

function repositoryOf(image: string): string {
  return parseImageReference(image).name.replace(/^docker\.io\/(library\/)?/, '');
}

/** The configured owner entry that names this workload or one of its images. */
function configured(owners: readonly MigrationOwner[], workload: WorkloadKey, images: readonly string[]): MigrationOwner | undefined {
  const names = [`${workload.kind}/${workload.name}`.toLowerCase(), ...(workload.namespace ? [`${workload.namespace}/${workload.kind}/${workload.name}`.toLowerCase()] : [])];
  return (
    owners.find((o) => o.workload && names.includes(o.workload.toLowerCase())) ??
    owners.find((o) => o.image && images.some((i) => repositoryOf(i) === repositoryOf(o.image!)))
  );
}

/** Directories holding migrations at `commit`, with the files of each. */
async function migrationDirs(repo: GitRepo, commit: string, engine: Engine): Promise<Map<string, string[]>> {
  const listed = await repo.probe(['ls-tree', '-r', '--name-only', '-z', commit]);
  const out = new Map<string, string[]>();
  for (const path of listed.code === 0 ? listed.out.split('\0').filter(Boolean) : []) {
    if (!engine.analyzerFor(path)?.id.startsWith('migration')) continue;
    const dir = posix.dirname(path);
    let list = out.get(dir);
    if (!list) out.set(dir, (list = []));
    list.push(path);
  }
  return out;
}

/** A Flyway versioned or undo migration by its file name: `V1__x.sql`, `U2_1__y.sql`. */
export function isFlywayFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if ((base[0] !== 'V' && base[0] !== 'U') || !/^\d$/.test(base[1] ?? '') || !base.endsWith('.sql')) return false;
  const k = base.indexOf('__', 2);
  return k !== -1 && k + 2 < base.length - 4;
}

/** Files a tool's migrations look like, to pick its directory among several. */
const TOOL_FILES: Record<string, { test(path: string): boolean }> = {
  'golang-migrate': /\.(up|down)\.sql$/,
  // By its file name (`/(^|\/)[VU]\d[^/]*__[^/]+\.sql$/` retried its `[^/]+` from every `__`).
  Flyway: { test: (path) => isFlywayFile(path) },
  Alembic: /\/versions\/[^/]+\.py$/,
  Django: /\/migrations\/\d{4}_[^/]+\.py$/,
  'Rails / Sequelize': /\/db\/migrate\/\d+_[^/]+\.rb$/,
  Prisma: /\/migration\.sql$/,
  sqitch: /\/(deploy|revert|verify)\/[^/]+\.sql$/,
};

/** What the migration containers of the manifests around the workload run: the tool and the path-like words of their commands. */
function migrationContainers(texts: readonly string[], workload: WorkloadKey): { tool: string; paths: string[]; where: string }[] {
  const out: { tool: string; paths: string[]; where: string }[] = [];
  for (const text of texts) {
    const file = parseManifestFile(text);
    for (const doc of file.manifests) {
      const own = doc.kind === workload.kind && doc.name === workload.name;
      if (!own && doc.kind !== 'Job' && doc.kind !== 'CronJob') continue;
      const pod = podTemplate(doc);
      if (!pod) continue;
      for (const c of pod.containers) {
        // The workload's own containers serve; only its init containers migrate before it starts.
        if (own && c.role !== 'initContainer') continue;
        const nav = doc.nav;
        const entries = [...nav.items(nav.get(c.node, 'command')), ...nav.items(nav.get(c.node, 'args'))].map((n) => nav.str(n) ?? '').filter(Boolean);
        const image = nav.str(nav.get(c.node, 'image'));
        const match = matchMigration(image, entries);
        if (!match) continue;
        const paths = entries
          .flatMap((e) => e.split(/[\s=,]+/))
          .map((w) => w.replace(/^['"]|['"]$/g, '').replace(/^(file|filesystem):\/*/, '/'))
          .filter((w) => w.includes('/') && !/^[a-z]+:\/\//i.test(w) && !w.startsWith('$'));
        out.push({ tool: match.tool, paths, where: `${own ? 'init container' : doc.kind} ${c.name ?? '?'}${own ? '' : ` of ${doc.kind} ${doc.name ?? '?'}`}` });
      }
    }
  }
  return out;
}

/**
 * Which migration directories belong to `workload`, reading the manifests
 * at `commit` (the one that runs the live images) next to `manifestPath`.
 */
export async function migrationOwnership(repo: GitRepo, input: { commit: string; manifestPath: string; workload: WorkloadKey; images: readonly string[]; owners?: readonly MigrationOwner[]; engine: Engine }): Promise<Ownership> {
  const what = `${input.workload.kind.toLowerCase()}/${input.workload.name}`;
  const entry = configured(input.owners ?? [], input.workload, input.images);
  if (entry) return { known: true, by: `.rollbackguard.yaml migrations.owners (${entry.workload ?? entry.image})`, owns: globsOf(entry.paths), dirs: [...entry.paths] };

  const dirs = await migrationDirs(repo, input.commit, input.engine);
  if (dirs.size === 0) return { known: false, why: 'the repository holds no migrations' };

  // 2. A migration Job or init container in the same manifests.
  const here = posix.dirname(input.manifestPath);
  const listed = await repo.probe(['ls-tree', '--name-only', '-z', input.commit, '--', here === '.' ? '.' : `${here}/`]);
  const files = [...new Set([input.manifestPath, ...(listed.code === 0 ? listed.out.split('\0').filter((p) => /\.ya?ml$/i.test(p)) : [])])];
  const blobs = await repo.readBlobs(files.map((path) => ({ rev: input.commit, path })));
  const containers = migrationContainers(blobs.filter((b): b is Buffer => !!b && b.length < 2_000_000).map((b) => b.toString('utf8')), input.workload);
  for (const c of containers) {
    // A path in its command: the directory whose path ends with it (`/app/db/migrations` ↔ `db/migrations`).
    for (const p of c.paths) {
      const segments = trimEndOf(trimStartOf(p, '/'), '/').split('/');
      for (let n = segments.length; n >= 1; n--) {
        const tail = segments.slice(-n).join('/');
        const matches = [...dirs.keys()].filter((d) => d === tail || d.endsWith(`/${tail}`) || posix.dirname(d) === tail || posix.dirname(d).endsWith(`/${tail}`));
        if (matches.length === 1) return { known: true, by: `the ${c.tool} ${c.where} in the same manifests (${p})`, owns: globsOf(matches), dirs: matches };
        if (matches.length > 1) break;
      }
    }
    const pattern = TOOL_FILES[c.tool];
    const ofTool = pattern ? [...dirs.entries()].filter(([, list]) => list.some((f) => pattern.test(`/${f}`))).map(([d]) => d) : [];
    if (ofTool.length === 1) return { known: true, by: `the ${c.tool} ${c.where} in the same manifests (the only ${c.tool} directory)`, owns: globsOf(ofTool), dirs: ofTool };
  }

  // 3. The image repository's name as a directory.
  for (const image of input.images) {
    const name = repositoryOf(image).split('/').pop()!;
    const matches = [...dirs.keys()].filter((d) => d.split('/').includes(name));
    if (matches.length >= 1) {
      // One service's migrations may span directories (alembic/versions): all must sit under one directory named like it.
      const roots = new Set(matches.map((d) => d.split('/').slice(0, d.split('/').indexOf(name) + 1).join('/')));
      if (roots.size === 1) return { known: true, by: `the image repository ${repositoryOf(image)} (directory ${[...roots][0]})`, owns: globsOf([...roots]), dirs: [...roots] };
    }
  }

  const found = [...dirs.keys()].sort();
  return {
    known: false,
    why: `no migration directory is known to belong to ${what}${containers.length ? ` (its ${containers[0]!.tool} ${containers[0]!.where} names none of them)` : ''}: the repository's are ${found.slice(0, 4).join(', ')}${found.length > 4 ? ', …' : ''}; name ${what}'s in .rollbackguard.yaml (migrations.owners)`,
  };
}
