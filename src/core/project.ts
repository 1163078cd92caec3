import { isMap, parseAllDocuments } from 'yaml';
import { boundAliases } from './yaml/aliases';
import { parseManifestFile } from './yaml/manifest';
import { withinYamlNesting } from './yaml/nesting';
import { YamlNav } from './yaml/nodes';

/**
 * What a rule may need to know beyond the file it reads: the names
 * Kustomize generators produce (they get a content-hash suffix at build time,
 * so a reference to them is versioned), the files a kustomization applies as
 * patches, the images a build tool or a kustomization replaces at deploy
 * time, and which objects the project itself defines. Built from the
 * project's `kustomization.yaml` and `skaffold.yaml` files by the CLI or
 * the editor.
 */
export interface ProjectContext {
  /** Generator names whose scope (a kustomization's directory and its resources) covers `filePath`. */
  kustomizeGeneratedNames(filePath: string): ReadonlySet<string>;
  /** The kustomization that applies `filePath` as a patch (so it is part of an object, not a whole one). */
  kustomizePatchOf?(filePath: string): string | undefined;
  /**
   * What `image` of a container in `filePath` becomes at deploy time when a
   * tool replaces it: a Skaffold or ko build artifact (`pinned`: the tool
   * pins it by digest), or a kustomization's `images:` entry.
   */
  imageReplacement?(filePath: string, image: string): { by: string; image?: string; pinned?: boolean } | undefined;
  /** Whether the project defines an object of `kind` named `name` next to `filePath` (its directory, or a kustomization's scope). */
  definesNearby?(filePath: string, kind: string, name: string): boolean;
}

export const EMPTY_PROJECT: ProjectContext = {
  kustomizeGeneratedNames: () => new Set(),
};

interface GeneratorScope {
  dirs: string[];
  names: Set<string>;
}

export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
export const SKAFFOLD_FILE_NAMES = ['skaffold.yaml', 'skaffold.yml'];
/** Files the project context is built from. */
export const PROJECT_FILE_NAMES = [...KUSTOMIZATION_FILE_NAMES, ...SKAFFOLD_FILE_NAMES];

/** An object the project defines, by the path of its file. */
export interface Definition {
  path: string;
  kind: string;
  name: string;
}

/**
 * Builds the project context from kustomization and Skaffold files (`path`
 * uses forward slashes; other files are ignored) and the objects the
 * project's files define.
 */
export function buildProjectContext(files: { path: string; text: string }[], definitions: readonly Definition[] = []): ProjectContext {
  const scopes: GeneratorScope[] = [];
  const patches = new Map<string, string>();
  const imageScopes: { dirs: string[]; name: string; image?: string; by: string; pinned?: boolean }[] = [];
  const kustomizationScopes: string[][] = [];
  for (const { path, text } of files) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (SKAFFOLD_FILE_NAMES.includes(base)) {
      for (const name of skaffoldArtifacts(text)) imageScopes.push({ dirs: [dirname(path)], name, by: 'Skaffold', pinned: true });
      continue;
    }
    if (!KUSTOMIZATION_FILE_NAMES.includes(base)) continue;
    const dir = dirname(path);
    // A kustomization nested past the readers' bound names no generators Rollback Guard can know.
    const parsed = withinYamlNesting(text) ? parseAllDocuments(text, { uniqueKeys: false }) : [];
    for (const document of Array.isArray(parsed) ? boundAliases(parsed) : []) {
      const root = document.contents;
      if (!isMap(root)) continue;
      const nav = new YamlNav(document);
      const names = new Set<string>();
      // Without the hash suffix a generated name is as fixed as a hand-written one.
      const noHash = nav.str(nav.at(root, ['generatorOptions', 'disableNameSuffixHash'])) === 'true';
      for (const field of ['configMapGenerator', 'secretGenerator']) {
        for (const item of nav.items(nav.get(root, field))) {
          const name = nav.str(nav.get(item, 'name'));
          const itemNoHash = nav.str(nav.at(item, ['options', 'disableNameSuffixHash']));
          if (name && (itemNoHash === undefined ? !noHash : itemNoHash !== 'true')) names.add(name);
        }
      }
      const dirs = [dir];
      for (const field of ['resources', 'bases', 'components']) {
        for (const item of nav.items(nav.get(root, field))) {
          const ref = nav.str(item);
          if (ref && !/^[a-z]+:\/\//i.test(ref)) dirs.push(join(dir, ref));
        }
      }
      kustomizationScopes.push(dirs);
      if (names.size > 0) scopes.push({ dirs, names });
      // https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/patches/
      for (const item of nav.items(nav.get(root, 'patches'))) {
        // An entry that is only a path is read the same way (as patchesStrategicMerge was).
        const ref = nav.str(item) ?? nav.str(nav.get(item, 'path'));
        if (ref) patches.set(join(dir, ref), path);
      }
      for (const item of nav.items(nav.get(root, 'patchesJson6902'))) {
        const ref = nav.str(nav.get(item, 'path'));
        if (ref) patches.set(join(dir, ref), path);
      }
      for (const item of nav.items(nav.get(root, 'patchesStrategicMerge'))) {
        const ref = nav.str(item);
        if (ref) patches.set(join(dir, ref), path);
      }
      // https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/
      for (const item of nav.items(nav.get(root, 'images'))) {
        const name = nav.str(nav.get(item, 'name'));
        if (!name) continue;
        const newName = nav.str(nav.get(item, 'newName')) ?? name;
        const tag = nav.str(nav.get(item, 'newTag'));
        const digest = nav.str(nav.get(item, 'digest'));
        if (!tag && !digest && newName === name) continue;
        imageScopes.push({ dirs, name, image: `${newName}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`, by: `the \`images:\` of ${path}` });
      }
    }
  }
  const covers = (dirs: readonly string[], file: string) => dirs.some((d) => file === d || d === '' || file.startsWith(`${d}/`));
  const byName = new Map<string, Definition[]>();
  for (const d of definitions) {
    const key = `${d.kind}/${d.name}`;
    byName.set(key, [...(byName.get(key) ?? []), d]);
  }
  return {
    kustomizeGeneratedNames(filePath) {
      const file = filePath.replace(/\\/g, '/');
      const out = new Set<string>();
      for (const scope of scopes) {
        if (covers(scope.dirs, file)) for (const n of scope.names) out.add(n);
      }
      return out;
    },
    kustomizePatchOf(filePath) {
      return patches.get(join('', filePath.replace(/\\/g, '/')));
    },
    imageReplacement(filePath, image) {
      const file = filePath.replace(/\\/g, '/');
      // The first `@`, or the first `:` after the last `/` (the tag), whichever comes first.
      const tag = image.indexOf(':', image.lastIndexOf('/') + 1);
      const digest = image.indexOf('@');
      const at = digest === -1 ? tag : tag === -1 ? digest : Math.min(tag, digest);
      const name = at === -1 ? image : image.slice(0, at);
      for (const scope of imageScopes) {
        if (scope.name === name && covers(scope.dirs, file)) return { by: scope.by, image: scope.image, pinned: scope.pinned };
      }
      return undefined;
    },
    definesNearby(filePath, kind, name) {
      const found = byName.get(`${kind}/${name}`);
      if (!found) return false;
      const file = filePath.replace(/\\/g, '/');
      const dir = dirname(file);
      return found.some((d) => dirname(d.path) === dir || d.path === file || kustomizationScopes.some((dirs) => covers(dirs, file) && covers(dirs, d.path)));
    },
  };
}

/** Image names a Skaffold configuration builds (`build.artifacts[].image`, in every profile too). */
function skaffoldArtifacts(text: string): string[] {
  const out: string[] = [];
  const parsed = withinYamlNesting(text) ? parseAllDocuments(text, { uniqueKeys: false }) : [];
  for (const document of Array.isArray(parsed) ? boundAliases(parsed) : []) {
    const root = document.contents;
    if (!isMap(root)) continue;
    const nav = new YamlNav(document);
    const builds = [nav.get(root, 'build'), ...nav.items(nav.get(root, 'profiles')).map((p) => nav.get(p, 'build'))];
    for (const build of builds) {
      for (const artifact of nav.items(nav.get(build, 'artifacts'))) {
        const image = nav.str(nav.get(artifact, 'image'));
        if (image) out.push(image);
      }
    }
  }
  return out;
}

function dirname(path: string): string {
  const p = path.replace(/\\/g, '/');
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}

/** Joins and normalises `a/b/../c` without touching the file system. */
function join(base: string, rel: string): string {
  const combined = rel.startsWith('/') || base === '' ? rel : `${base}/${rel}`;
  const out: string[] = [];
  for (const part of combined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return (combined.startsWith('/') ? '/' : '') + out.join('/');
}

/** Kinds whose definitions the project context indexes (RG103 judges references to them). */
const INDEXED_KINDS = /^[ \t]*kind:[ \t]*["']?Secret["']?[ \t]*(?:#.*)?$/m;

/** The Secrets the given files define (by display name), to build the project context with. */
export function objectDefinitions(files: readonly { path: string; text: string }[]): Definition[] {
  const out: Definition[] = [];
  for (const { path, text } of files) {
    if (!/\.ya?ml$/i.test(path) || !INDEXED_KINDS.test(text)) continue;
    // A file nested past the readers' bound defines nothing Rollback Guard can know (its analysis says so).
    if (!withinYamlNesting(text)) continue;
    for (const doc of parseManifestFile(text).manifests) {
      if (doc.kind === 'Secret' && doc.group === '' && doc.name) out.push({ path, kind: doc.kind, name: doc.name });
    }
  }
  return out;
}
