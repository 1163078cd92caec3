/**
 * The release summary: its rollback class (the worst of its parts), the
 * layers it touches, the recommended action and the order of the steps by
 * the decision tree, and the questions to answer before production.
 *
 * Decision tree (rollback-engineering practice): a feature flag that covers
 * the change is flipped first; a migration that is not purely additive means
 * data first, then code; code goes back with `rollout undo`; config with
 * `git revert` + sync (which also makes Git match the cluster again).
 */
import { isMap, isSeq } from 'yaml';
import { AXIS_NAMES, type Axis } from '../k8s/axes';
import { describeObject } from '../k8s/workload';
import { CLASS_MEANING, classRank, LAYERS, type Action, type Finding, type Layer, type RollbackClass } from '../model';
import type { ReleaseFacts, ReleasePlan, Verdict } from '../rules/release/context';
import { releaseAxes } from '../rules/release/RG302-several-axes-at-once';
import { YamlNav } from '../yaml/nodes';
import { annotations, type Located } from './facts';
import type { ChangedFile, DeclaredPlan, Question, ReleaseInput, ReleaseSummary, Step } from './model';

export const FLAG_ANNOTATION = 'rollback-guard.io/flag';

/** Config keys that name a feature switch (data keys, not code). */
const FLAG_KEY = /(^|[_.-])(feature|features|flag|flags|toggle|toggles|enable|enabled)([_.-]|$)/i;

/** Methods the plan schema suggests, by the action that needs them. */
export const METHODS: Record<Action, string> = {
  'flag-flip': 'flag flip',
  rollback: 'rollout undo',
  rollforward: 'roll forward',
  pause: 'git revert + sync',
  'data-first': 'restore from backup, then rollout undo',
  compensate: 'compensating change',
  restore: 'restore from backup',
};

export interface SummaryInput {
  input: ReleaseInput;
  facts: ReleaseFacts;
  findings: readonly Finding[];
  verdict: Verdict;
  work: readonly { change: ChangedFile; analysed: boolean; headFindings: readonly Finding[] }[];
}

export function readPlan(plan: ReleasePlan): DeclaredPlan {
  const nav = new YamlNav(plan.document);
  const root = plan.document.contents;
  const list = (key: string) => {
    const node = nav.get(root, key);
    if (isSeq(node)) return nav.items(node).map((i) => nav.str(i)).filter((s): s is string => s !== undefined && s.trim() !== '');
    const one = nav.str(node);
    return one ? [one] : [];
  };
  return {
    path: plan.path,
    changed: plan.changed,
    class: isMap(root) ? nav.str(nav.get(root, 'class')) : undefined,
    window: nav.str(nav.get(root, 'window')),
    method: nav.str(nav.get(root, 'method')),
    flag: nav.str(nav.get(root, 'flag')),
    irreversibleEffects: list('irreversibleEffects'),
    verification: list('verification'),
  };
}

/** Feature switches the release touches: the plan's `flag`, `rollback-guard.io/flag` annotations, changed flag-like config keys. */
function flags(facts: ReleaseFacts, plan: DeclaredPlan | undefined): string[] {
  const out: string[] = [];
  if (plan?.changed && plan.flag) out.push(`\`${plan.flag}\` (${plan.path})`);
  const touched: Located[] = [...facts.added, ...facts.changed.map((c) => c.head)];
  for (const loc of touched) {
    for (const a of annotations(loc)) if (a.key === FLAG_ANNOTATION && a.value) out.push(`\`${a.value}\` (${describeObject(loc.doc)})`);
  }
  const configMaps = [...facts.added.map((h) => ({ head: h, base: undefined as Located | undefined })), ...facts.changed];
  for (const { head, base } of configMaps) {
    if (head.doc.kind !== 'ConfigMap' || head.doc.group !== '') continue;
    const after = head.doc.nav.entries(head.doc.nav.get(head.doc.root, 'data'));
    const before = new Map(base ? base.doc.nav.entries(base.doc.nav.get(base.doc.root, 'data')).map((e) => [e.key, base.doc.nav.str(e.value)]) : []);
    for (const e of after) {
      const value = head.doc.nav.str(e.value);
      if (!FLAG_KEY.test(e.key) || before.get(e.key) === value) continue;
      const was = before.get(e.key);
      out.push(`\`${e.key}\` in ConfigMap ${head.doc.name} (${was === undefined ? 'new' : `was \`${was}\``}, now \`${value ?? ''}\`)`);
    }
  }
  return [...new Set(out)];
}

const AXIS_LAYER: Record<Axis, Layer> = { crd: 'config', image: 'code', config: 'config', schema: 'data' };

/** "Drops orders.legacy_total" from a finding's message: its first clause (a `: ` or ` — ` outside code spans ends it). */
export function gist(message: string): string {
  let code = false;
  let end = message.length;
  for (let i = 0; i < message.length; i++) {
    const ch = message[i];
    if (ch === '`') code = !code;
    else if (!code && ((ch === ':' && message[i + 1] === ' ') || (ch === ' ' && message.startsWith(' — ', i)))) {
      end = i;
      break;
    }
  }
  // Digests are exact in the finding; a summary only needs to tell them apart.
  const text = message.slice(0, end).replace(/@sha256:([0-9a-f]{12})[0-9a-f]{52}/g, '@sha256:$1…');
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

function rolloutTriggers(facts: ReleaseFacts): { answers: string[]; source?: string } {
  const templates = new Map<string, Located>();
  for (const loc of facts.head.values()) if (loc.doc.kind === 'AnalysisTemplate' || loc.doc.kind === 'ClusterAnalysisTemplate') templates.set(loc.doc.name ?? '', loc);
  const answers: string[] = [];
  const sources: string[] = [];
  const describeTemplate = (name: string): string => {
    const t = templates.get(name);
    if (!t) return `analysis \`${name}\``;
    const { nav } = t.doc;
    const metrics = nav.items(nav.at(t.doc.root, ['spec', 'metrics'])).map((m) => {
      const metric = nav.str(nav.get(m, 'name')) ?? 'metric';
      const success = nav.str(nav.get(m, 'successCondition'));
      const failure = nav.str(nav.get(m, 'failureCondition'));
      const limit = nav.str(nav.get(m, 'failureLimit'));
      return `\`${metric}\`${success ? ` (success when \`${success}\`)` : failure ? ` (fails when \`${failure}\`)` : ''}${limit ? `, failure limit ${limit}` : ''}`;
    });
    return `analysis \`${name}\`: ${metrics.join('; ') || 'no metrics'}`;
  };
  for (const loc of facts.head.values()) {
    if (loc.doc.kind !== 'Rollout' || loc.doc.group !== 'argoproj.io') continue;
    const { nav } = loc.doc;
    const canary = nav.at(loc.doc.root, ['spec', 'strategy', 'canary']);
    const names = new Set<string>();
    for (const t of nav.items(nav.at(canary, ['analysis', 'templates']))) names.add(nav.str(nav.get(t, 'templateName')) ?? '');
    for (const step of nav.items(nav.get(canary, 'steps'))) for (const t of nav.items(nav.at(step, ['analysis', 'templates']))) names.add(nav.str(nav.get(t, 'templateName')) ?? '');
    names.delete('');
    if (names.size === 0) continue;
    sources.push(`Rollout ${loc.doc.name}`);
    for (const name of names) answers.push(`Rollout ${loc.doc.name} aborts on its ${describeTemplate(name)}`);
  }
  return { answers, source: sources.join(', ') || undefined };
}

export function summarizeRelease(s: SummaryInput): ReleaseSummary {
  const { facts, verdict } = s;
  const plan = facts.plan ? readPlan(facts.plan) : undefined;
  const changedCount = s.work.length;
  const rollbackClass: RollbackClass | null = changedCount === 0 ? null : (verdict.rollbackClass ?? 'reversible');
  const axes = releaseAxes(facts);
  const layerSet = new Set<Layer>();
  for (const axis of axes.keys()) layerSet.add(AXIS_LAYER[axis]);
  for (const f of s.findings) if (f.layer && f.rollbackClass) layerSet.add(f.layer);
  const layers = LAYERS.filter((l) => layerSet.has(l));

  const flagList = flags(facts, plan);
  const nonAdditive = facts.migrations.filter((m) => m.status !== 'deleted' && !m.additive);
  const dataFindings = s.findings.filter((f) => f.layer === 'data' && f.rollbackClass !== null);
  const dataClass = dataFindings.reduce<RollbackClass | undefined>((acc, f) => (!acc || classRank(f.rollbackClass!) > classRank(acc) ? f.rollbackClass! : acc), undefined);
  const gitops = s.work.some((w) => w.headFindings.some((f) => f.ruleId === 'RG107'));
  const steps: Step[] = [];

  if (flagList.length > 0) {
    steps.push({ action: 'flag-flip', layer: 'config', title: 'Turn the feature off first: no deploy, effective in seconds, and the rest of the release can stay', detail: flagList });
  }
  if (nonAdditive.length > 0 || (dataClass && classRank(dataClass) >= classRank('forward-only'))) {
    const detail = nonAdditive.length > 0 ? nonAdditive.map((m) => `${m.file}: ${m.reason}`) : dataFindings.filter((f) => f.rollbackClass === dataClass).map((f) => `${f.file}:${f.range.start.line + 1}: ${gist(f.message)}`);
    const cls = worstOf([dataClass, ...nonAdditive.map((m) => m.rollbackClass)]);
    const what =
      cls === 'restore-required'
        ? 'restore what the migration removed from the backup or point-in-time recovery taken right before it ran'
        : cls === 'compensatable'
          ? 'counteract the data change with a compensating migration (rewritten rows cannot be un-written)'
          : 'reverse the schema change with a new forward migration that gives the previous release what it needs';
    const action: Action = facts.images.length > 0 ? 'data-first' : cls === 'restore-required' ? 'restore' : cls === 'compensatable' ? 'compensate' : 'rollforward';
    const title = facts.images.length > 0 ? `Data first, then code: ${what} — the previous image cannot run on the new schema` : what.charAt(0).toUpperCase() + what.slice(1);
    steps.push({ action, layer: 'data', title, detail });
  }
  if (facts.images.length > 0) {
    const detail = facts.images.map((i) => `${i.object}: back to ${i.from ? `\`${i.from}\`` : '(new in this release: remove it)'}${i.container ? ` (${i.container})` : ''}`);
    steps.push({ action: 'rollback', layer: 'code', title: `Roll the code back: \`kubectl rollout undo\` (Argo Rollouts: \`kubectl argo rollouts undo\`; Helm: \`helm rollback\`)${gitops ? ' — with auto-sync paused, or the controller re-applies Git' : ''}`, detail });
  }
  const configAxes = (['config', 'crd'] as const).filter((a) => axes.has(a));
  if (configAxes.length > 0 || facts.images.length > 0) {
    const detail = configAxes.flatMap((a) => axes.get(a)!.map((e) => `${AXIS_NAMES[a]}: ${e.what}`));
    const immutable = s.findings.filter((f) => f.ruleId === 'RG106').map((f) => {
      // RG106 messages start "<Kind> <name> changes `<field>` …".
      const m = /^(.+?) (?:changes|sets|removes) (`[^`]+`)/.exec(f.message);
      return `${f.file}:${f.range.start.line + 1}: ${m ? `${m[1]}: ${m[2]} is immutable` : gist(f.message)} — delete and recreate it by hand, in both directions`;
    });
    steps.push({
      action: gitops && facts.images.length > 0 && configAxes.length === 0 ? 'pause' : 'rollback',
      layer: 'config',
      title: 'Revert the release in Git (`git revert` of its merge commit, on a new branch) and let the GitOps controller sync — fix Git first, so nothing re-applies the release',
      detail: [...detail, ...immutable],
    });
  }
  if (steps.length === 0 && changedCount > 0) {
    steps.push({ action: 'rollback', layer: null, title: 'Revert the release in Git (`git revert` of its merge commit) and redeploy', detail: [] });
  }

  let action: Action | null = null;
  if (rollbackClass) {
    if (flagList.length > 0) action = 'flag-flip';
    else if (steps.some((st) => st.action === 'data-first')) action = 'data-first';
    else if (rollbackClass === 'restore-required') action = 'restore';
    else if (rollbackClass === 'compensatable') action = 'compensate';
    else if (rollbackClass === 'forward-only') action = 'rollforward';
    else action = 'rollback';
  }

  const questions = preProductionQuestions(s, { rollbackClass, plan, steps, action, nonAdditive: nonAdditive.length > 0 });
  const analysed = s.work.filter((w) => w.analysed).length;
  const binary = s.work.filter((w) => w.change.binary).length;
  const name = (loc: Located) => `${describeObject(loc.doc)} (${loc.path})`;
  return {
    rollbackClass,
    causes: [...verdict.causes],
    layers,
    axes: [...axes.keys()],
    action,
    steps,
    questions,
    plan,
    images: [...facts.images],
    migrations: facts.migrations.map(({ units: _u, lines: _l, ...m }) => m),
    resources: { added: facts.added.map(name), removed: facts.removed.map(name), changed: facts.changed.map((c) => name(c.head)) },
    files: { changed: changedCount, analysed, binary, other: changedCount - analysed - binary },
  };
}

function worstOf(classes: readonly (RollbackClass | undefined)[]): RollbackClass | undefined {
  let worst: RollbackClass | undefined;
  for (const c of classes) if (c && (!worst || classRank(c) > classRank(worst))) worst = c;
  return worst;
}

const WINDOW: Record<RollbackClass, string> = {
  reversible: 'Any time: the previous revision stays available (Git history, ReplicaSet history).',
  'reversible-within-window': 'While the previous and the new version can run side by side — until a later release contracts the change.',
  'manual-repair': 'Any time, but only with the manual step (recreate the object, repair the data) described above.',
  'forward-only': 'Until the release is applied. After that there is no way back, only forward: a new release that fixes it.',
  compensatable: 'None: the effect cannot be undone once applied, only counteracted by a compensating change.',
  'restore-required': 'Until the destructive step runs. After it, only a restore from the backup taken right before it.',
};

function preProductionQuestions(
  s: SummaryInput,
  d: { rollbackClass: RollbackClass | null; plan?: DeclaredPlan; steps: Step[]; action: Action | null; nonAdditive: boolean },
): Question[] {
  const plan = d.plan?.changed ? d.plan : undefined;
  const fromPlan = plan ? plan.path : undefined;
  const method: Question = plan?.method
    ? { id: 'method', question: 'How do we roll back?', answers: [plan.method], source: fromPlan }
    : { id: 'method', question: 'How do we roll back?', answers: d.steps.map((st, i) => `${i + 1}. ${st.action}: ${st.title}`), source: d.steps.length ? 'the decision tree' : undefined };
  const window: Question = plan?.window
    ? { id: 'window', question: 'For how long does rollback work?', answers: [plan.window], source: fromPlan }
    : { id: 'window', question: 'For how long does rollback work?', answers: d.rollbackClass ? [WINDOW[d.rollbackClass]] : [], source: d.rollbackClass ? `the class \`${d.rollbackClass}\`` : undefined };
  const causes = s.verdict.causes.length > 0 && d.rollbackClass && d.rollbackClass !== 'reversible' ? s.verdict.causes : [];
  const unsafe: Question = {
    id: 'unsafe',
    question: 'What makes rollback unsafe?',
    answers: [
      ...[...new Map(causes.map((f) => [`${f.ruleId}\0${gist(f.message)}`, `${f.ruleId} ${f.file}:${f.range.start.line + 1} — ${gist(f.message)}`])).values()],
      ...(plan?.irreversibleEffects ?? []),
    ],
    source: causes.length ? `the findings (${CLASS_MEANING[d.rollbackClass!]})` : plan?.irreversibleEffects.length ? fromPlan : undefined,
  };
  const rollout = rolloutTriggers(s.facts);
  const trigger: Question = {
    id: 'trigger',
    question: 'Which metric triggers a rollback?',
    answers: [...rollout.answers, ...(plan?.verification ?? [])],
    source: [rollout.source, plan?.verification.length ? fromPlan : undefined].filter(Boolean).join(', ') || undefined,
  };
  const evidence: string[] = [];
  const from = s.input.mergeBase ?? s.input.base.sha;
  if (from) evidence.push(`the commit the release starts from, \`${from.slice(0, 12)}\` (on ${s.input.base.ref}): what a Git revert must reproduce`);
  for (const i of s.facts.images) if (i.from) evidence.push(`${i.object}: the previous image \`${i.from}\` (keep it in the registry)`);
  if (d.nonAdditive) evidence.push('the id of a backup or snapshot of the affected tables taken right before the migration runs, and the schema version before it');
  for (const m of s.facts.migrations) evidence.push(`migration \`${m.file}\` applied (its version in the migrations table)`);
  if (rollout.answers.length) evidence.push('the AnalysisRun of the canary (its measurements are the rollback trigger)');
  return [method, window, unsafe, trigger, { id: 'evidence', question: 'What evidence do we keep?', answers: evidence, source: evidence.length ? 'the change' : undefined }];
}
