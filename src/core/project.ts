import { isMap, parseAllDocuments } from 'yaml';
import { YamlNav } from './yaml/nodes';

/**
 * What a rule may need to know beyond the file it reads: today, the names
 * Kustomize generators produce (they get a content-hash suffix at build time,
 * so a reference to them is versioned). Built from the project's
 * `kustomization.yaml` files by the CLI or the editor.
 */
export interface ProjectContext {
  /** Generator names whose scope (a kustomization's directory and its resources) covers `filePath`. */
  kustomizeGeneratedNames(filePath: string): ReadonlySet<string>;
}

export const EMPTY_PROJECT: ProjectContext = {
  kustomizeGeneratedNames: () => new Set(),
};

interface GeneratorScope {
  dirs: string[];
  names: Set<string>;
}

export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Builds the project context from kustomization files (`path` uses forward slashes). */
export function buildProjectContext(kustomizations: { path: string; text: string }[]): ProjectContext {
  const scopes: GeneratorScope[] = [];
  for (const { path, text } of kustomizations) {
    const dir = dirname(path);
    const parsed = parseAllDocuments(text, { uniqueKeys: false });
    for (const document of Array.isArray(parsed) ? parsed : []) {
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
      if (names.size === 0) continue;
      const dirs = [dir];
      for (const field of ['resources', 'bases', 'components']) {
        for (const item of nav.items(nav.get(root, field))) {
          const ref = nav.str(item);
          if (ref && !/^[a-z]+:\/\//i.test(ref)) dirs.push(join(dir, ref));
        }
      }
      scopes.push({ dirs, names });
    }
  }
  return {
    kustomizeGeneratedNames(filePath) {
      const file = filePath.replace(/\\/g, '/');
      const out = new Set<string>();
      for (const scope of scopes) {
        if (scope.dirs.some((d) => file === d || file.startsWith(d === '' ? '' : `${d}/`))) for (const n of scope.names) out.add(n);
      }
      return out;
    },
  };
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
