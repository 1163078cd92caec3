/**
 * The CustomResourceDefinitions of the GitOps and progressive-delivery tools
 * the extension reads (Argo CD, Argo Rollouts, Flux), taken at setup time from
 * the tools' own published Go modules: `go mod download -json module@version`
 * prints the module's directory in the module cache, and the CRD manifests
 * ship inside the module zip. Nothing of theirs is committed here.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { goEnv } from './build';

export interface CrdSource {
  /** Go module path. */
  module: string;
  version: string;
  /** Files inside the module holding the CRDs to install. */
  files: string[];
}

/** Exact pins. Each must build-list under the local Go (its go directive <= ours). */
export const CRD_SOURCES: readonly CrdSource[] = [
  {
    module: 'github.com/argoproj/argo-cd/v3',
    version: 'v3.5.7',
    files: ['manifests/crds/application-crd.yaml', 'manifests/crds/appproject-crd.yaml'],
  },
  {
    module: 'github.com/argoproj/argo-rollouts',
    version: 'v1.9.2',
    files: ['manifests/crds/rollout-crd.yaml'],
  },
  {
    module: 'github.com/fluxcd/kustomize-controller',
    version: 'v1.7.3',
    files: ['config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml'],
  },
  {
    module: 'github.com/fluxcd/helm-controller',
    version: 'v1.4.0',
    files: ['config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml'],
  },
];

export interface CrdFile {
  source: CrdSource;
  path: string;
  /** metadata.name of every CRD in the file, e.g. applications.argoproj.io. */
  names: string[];
}

/** Directory of module@version in the Go module cache (downloading it when needed). */
export function moduleDir(module: string, version: string): string {
  const r = spawnSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    env: goEnv(),
    // Outside any module, so the repo's go.mod files are not consulted.
    cwd: '/',
  });
  let info: { Dir?: string; Error?: string } = {};
  try {
    info = JSON.parse(r.stdout) as { Dir?: string; Error?: string };
  } catch {
    // reported below
  }
  if (r.error) throw new Error(`cannot run go to fetch ${module}@${version}: ${r.error.message}`);
  if (info.Error || !info.Dir) {
    throw new Error(`go mod download ${module}@${version} failed: ${info.Error ?? r.stderr.trim()}`);
  }
  return info.Dir;
}

export function crdFiles(): CrdFile[] {
  const out: CrdFile[] = [];
  for (const source of CRD_SOURCES) {
    const dir = moduleDir(source.module, source.version);
    for (const f of source.files) {
      const p = path.join(dir, f);
      const names: string[] = [];
      for (const doc of parseAllDocuments(fs.readFileSync(p, 'utf8'))) {
        const obj = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
        if (obj?.kind === 'CustomResourceDefinition' && obj.metadata?.name) names.push(obj.metadata.name);
      }
      if (names.length === 0) throw new Error(`${p} holds no CustomResourceDefinition`);
      out.push({ source, path: p, names });
    }
  }
  return out;
}
