/**
 * "The chart is still there", for an Argo CD Application whose target
 * history entry deploys a Helm chart: Argo CD's repo server fetches that
 * chart version again to sync it, so a version deleted from its repository
 * makes the rollback fail. A Helm repository is looked up in its
 * `index.yaml` (the chart's entries and their versions); an OCI repository
 * (`registry/path`, Argo CD's form, or `oci://`) with a HEAD of the chart's
 * manifest by version tag, as for images. The repository's credentials are
 * Argo CD's (its repository Secrets), which are not read here: a repository
 * that asks for them, or does not answer, is "unknown", never a block by
 * itself; a version that is not in the index, or a manifest that answers
 * 404, blocks.
 *
 * A Helm release needs no such check: `helm rollback` re-renders the chart
 * stored with the release and fetches nothing.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { parse } from 'yaml';
import type { ClusterError } from '../errors';
import type { PreflightCheck } from '../preflight';
import { headManifest, locate } from './artifacts';

export interface ChartRef {
  repoURL: string;
  chart: string;
  /** The version Argo CD recorded for the entry (the resolved one), else the source's targetRevision. */
  version: string;
}

export type ChartAnswer = { state: 'present'; how: string } | { state: 'missing'; how: string } | { state: 'unknown'; why: string };

/** An index can be large (a public repository's is tens of MB); past this it is not read. */
const INDEX_LIMIT = 64 * 1024 * 1024;

function get(url: URL, timeoutMs: number): Promise<{ status: number; body: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, { method: 'GET', headers: { 'User-Agent': 'rollback-guard', Accept: 'application/x-yaml, text/yaml, */*' }, timeout: timeoutMs }, (res) => {
      let body = '';
      let truncated = false;
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length + c.length > INDEX_LIMIT) {
          truncated = true;
          res.destroy();
          resolve({ status: res.statusCode ?? 0, body: '', truncated });
          return;
        }
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, truncated }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** A semver range or wildcard (`1.2.*`, `^1.2`, `>=1 <2`): Argo CD resolves it at sync time, so no one version can be looked up. */
function isRange(version: string): boolean {
  return version === '' || /[*^~<>=|xX ]/.test(version.replace(/^v/, '').replace(/-.*$/, ''));
}

/** Whether `ref`'s chart version is still in its repository. */
export async function lookUpChart(ref: ChartRef, options: { timeoutMs?: number } = {}): Promise<ChartAnswer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (isRange(ref.version)) return { state: 'unknown', why: `${ref.version ? `${ref.version} is a version range` : 'no version is recorded'}, resolved by Argo CD at sync time` };
  if (/^https?:\/\//i.test(ref.repoURL)) {
    const url = new URL(`${ref.repoURL.replace(/\/+$/, '')}/index.yaml`);
    try {
      const answer = await get(url, timeoutMs);
      if (answer.status === 401 || answer.status === 403) return { state: 'unknown', why: `${url.origin} asks for credentials (HTTP ${answer.status}); Argo CD's repository credentials are not read here` };
      if (answer.status !== 200) return { state: 'unknown', why: `${url.href} answered HTTP ${answer.status}` };
      if (answer.truncated) return { state: 'unknown', why: `${url.href} is larger than ${INDEX_LIMIT / 1024 / 1024} MB` };
      const index = parse(answer.body, { maxAliasCount: 100 }) as { entries?: Record<string, { version?: string }[] | null> } | null;
      if (!index || typeof index !== 'object' || !index.entries) return { state: 'unknown', why: `${url.href} is not a Helm repository index` };
      const versions = (index.entries[ref.chart] ?? []).map((e) => e?.version).filter((v): v is string => typeof v === 'string');
      const want = ref.version.replace(/^v/, '');
      if (versions.some((v) => v.replace(/^v/, '') === want)) return { state: 'present', how: `listed in ${url.href}` };
      return { state: 'missing', how: versions.length ? `${url.href} lists ${ref.chart} ${versions.length > 5 ? `${versions.slice(0, 5).join(', ')}, …` : versions.join(', ')}, not ${ref.version}` : `${url.href} has no chart named ${ref.chart}` };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      return { state: 'unknown', why: `${url.origin} could not be reached: ${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}` };
    }
  }
  // OCI: the chart is an artifact `<repoURL>/<chart>:<version>` in a registry.
  const loc = locate(`${ref.repoURL.replace(/^oci:\/\//i, '').replace(/\/+$/, '')}/${ref.chart}:${ref.version.replace(/\+/g, '_')}`);
  const answer = await headManifest(loc, undefined, { timeoutMs });
  if (answer.state === 'present') return { state: 'present', how: `${loc.host}/${loc.repository}:${loc.reference} answers, checked with ${answer.how}` };
  if (answer.state === 'missing') return { state: 'missing', how: `${loc.host}/${loc.repository}:${loc.reference} answers 404` };
  return { state: 'unknown', why: answer.why };
}

/** The charts an entry deploys: each source with a `chart`, with the version recorded for it. */
export function chartsOf(entry: { revision?: string; revisions?: string[]; source?: { repoURL?: string; chart?: string; targetRevision?: string }; sources?: { repoURL?: string; chart?: string; targetRevision?: string }[] }): ChartRef[] {
  const sources = entry.sources?.length ? entry.sources : entry.source ? [entry.source] : [];
  const revisions = entry.revisions?.length ? entry.revisions : entry.revision ? [entry.revision] : [];
  return sources.flatMap((s, i) => (s.chart && s.repoURL ? [{ repoURL: s.repoURL, chart: s.chart, version: revisions[i] ?? s.targetRevision ?? '' }] : []));
}

/**
 * The `artifacts` check of an Argo CD rollback: every chart of the target
 * entry looked up in its repository. Undefined when the entry deploys no
 * chart (Git sources: the manifests come from the commit).
 */
export async function chartsCheck(input: { revision: string; charts: readonly ChartRef[]; timeoutMs?: number }): Promise<{ check: PreflightCheck; error?: ClusterError } | undefined> {
  if (input.charts.length === 0) return undefined;
  const answers = await Promise.all(input.charts.map(async (ref) => ({ ref, answer: await lookUpChart(ref, input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}) })));
  const evidence = answers.map(({ ref, answer }) => (answer.state === 'unknown' ? `chart ${ref.chart} ${ref.version || '(no version)'} from ${ref.repoURL}: unknown — ${answer.why}` : `chart ${ref.chart} ${ref.version} from ${ref.repoURL}: ${answer.state === 'present' ? 'still there' : 'gone'} (${answer.how})`));
  const missing = answers.filter((a) => a.answer.state === 'missing');
  const unknown = answers.filter((a) => a.answer.state === 'unknown');
  if (missing.length) {
    const error: ClusterError = {
      kind: 'artifact-missing',
      message: `${input.revision} deploys ${missing.map((m) => `chart ${m.ref.chart} ${m.ref.version}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} no longer in ${[...new Set(missing.map((m) => m.ref.repoURL))].join(', ')}: Argo CD could not fetch ${missing.length === 1 ? 'it' : 'them'} to sync`,
      hint: 'Publish that chart version again (or restore the repository from a backup), then check again; or roll back to an entry whose chart version still exists.',
    };
    return { check: { id: 'artifacts', status: 'fail', title: error.message, evidence, error }, error };
  }
  if (unknown.length) return { check: { id: 'artifacts', status: 'skipped', title: `${unknown.length} of ${answers.length} chart${answers.length === 1 ? '' : 's'} of ${input.revision} could not be looked up: unknown, not a block`, evidence } };
  return { check: { id: 'artifacts', status: 'pass', title: `every chart of ${input.revision} is still in its repository (${answers.length} checked)`, evidence } };
}
