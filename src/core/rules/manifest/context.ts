import type { Node, Pair } from 'yaml';
import type { Finding, Range } from '../../model';
import type { Report, RuleMeta } from '../../rule';
import type { ProjectContext } from '../../project';
import type { YamlNav } from '../../yaml/nodes';
import type { LineIndex } from '../../text';
import { span } from '../../yaml/nodes';
import type { Injection } from '../../yaml/helm';
import { injectionsInto } from '../../yaml/injections';
import { displayValue, isTemplatedRange, sourceSpan, type ManifestDoc, type ManifestFile } from '../../yaml/manifest';

export type ManifestReport = Omit<Report, 'range'> & ({ node: unknown } | { range: Range });

export interface ManifestContext {
  /** Path of the file as the engine received it. */
  path: string;
  file: ManifestFile;
  doc: ManifestDoc;
  nav: YamlNav;
  project: ProjectContext;
  /** The Kubernetes release the manifests must apply to (config `targetKubernetesVersion`, `--kube-version`), when set. */
  kubernetesVersion?: string;
  /** Editor range of a node's value (or of a pair: key to value). */
  rangeOf(node: unknown): Range;
  /** True when the node's value is not known from this text: it holds a Helm template action (never for Helm's output). */
  templated(node: unknown): boolean;
  /**
   * True when the template prints the node's value with an action rather
   * than holding it literally (Helm's output too: where it came from): a
   * value that is not committed as written.
   */
  printed(node: unknown): boolean;
  /** A scalar's value as the author wrote it (template actions shown, not masked), for messages. */
  display(node: unknown): string | undefined;
  /**
   * Template actions that print entries into this mapping (or into this
   * pair's empty value): a field a rule misses may be printed there.
   */
  injected(node: unknown): Injection[];
  /** Every Kubernetes document analysed with this one: its file's, or its chart's when the chart was rendered. */
  unit: readonly ManifestDoc[];
  /** The unit is a whole Helm release (a rendered chart): what it does not render is made elsewhere. */
  wholeRelease: boolean;
  /**
   * Where a quick fix for `node` edits: the node in the file's own text
   * (for Helm's output, the template's literal node), its lines and
   * navigation; undefined when no edit of the file can fix it there.
   */
  fixTarget(node: unknown): FixTarget | undefined;
  report(report: ManifestReport): void;
}

/** A rule that judges one Kubernetes document at a time. */
export interface ManifestRule {
  meta: RuleMeta;
  check(ctx: ManifestContext): void;
  /** Runs after every rule has checked the document, with its findings that survived suppression. */
  review?(ctx: ManifestContext, findings: readonly Finding[]): void;
}

export interface FixTarget {
  lines: LineIndex;
  node: unknown;
  nav: YamlNav;
  /** The file is a Helm template (a fix may use template actions). */
  templated: boolean;
}

export interface ContextOptions {
  /** The Kubernetes version the manifests target (see ManifestContext.kubernetesVersion). */
  kubernetesVersion?: string;
  /** The documents analysed together (default: the file's). */
  unit?: readonly ManifestDoc[];
  /** `unit` is a whole rendered release (see ManifestContext.wholeRelease). */
  wholeRelease?: boolean;
  /**
   * Where a node is in the file the findings belong to, when the document
   * is not that file's text (Helm's output of a template): quick fixes are
   * then left out.
   */
  rangeOf?: (node: unknown) => Range;
  /** Whether the template prints the node (see ManifestContext.printed), for Helm's output. */
  printed?: (node: unknown) => boolean;
  /** Where a quick fix for a node of Helm's output edits the template (see ManifestContext.fixTarget). */
  fixTarget?: (node: unknown) => FixTarget | undefined;
}

export function defineManifestRule(rule: ManifestRule): ManifestRule {
  return rule;
}

export function createContext(
  path: string,
  file: ManifestFile,
  doc: ManifestDoc,
  project: ProjectContext,
  sink: (report: Report) => void,
  options: ContextOptions = {},
): ManifestContext {
  const unit = options.unit ?? file.manifests;
  const rangeOf =
    options.rangeOf ??
    ((node: unknown): Range => {
      const s = span(node) ?? [doc.root.range?.[0] ?? 0, doc.root.range?.[0] ?? 0];
      const [start, end] = sourceSpan(file, s[0], s[1]);
      return file.lines.range(start, end);
    });
  const templated = (node: unknown): boolean => {
    const s = span(node);
    return s ? isTemplatedRange(file, ...sourceSpan(file, s[0], s[1])) : false;
  };
  return {
    path,
    file,
    doc,
    nav: doc.nav,
    project,
    ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
    rangeOf,
    templated,
    printed: options.printed ?? templated,
    display(node) {
      return displayValue(file.text, file.templateSpans, doc.nav, node, file.shifts);
    },
    injected(node) {
      return injectionsInto(file, node);
    },
    unit,
    wholeRelease: options.wholeRelease ?? false,
    fixTarget: options.fixTarget ?? ((node) => ({ lines: file.lines, node, nav: doc.nav, templated: file.templated })),
    report(report) {
      const range = 'range' in report ? report.range : rangeOf(report.node);
      const { ...rest } = report as ManifestReport & { node?: unknown };
      delete (rest as { node?: unknown }).node;
      sink({ ...rest, range });
    },
  };
}

/** The key node of a pair, for findings that point at a field name. */
export function keyOf(pair: Pair<unknown, unknown> | undefined): Node | undefined {
  return pair?.key as Node | undefined;
}
