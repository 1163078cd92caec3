export { analyzeRelease, findingKey, isPlanPath, type ReleaseOptions } from './analyze';
export { lineHunks, changedLineRanges, touchesLines } from './lines';
export { renderMarkdown, renderPlan, toReleaseJson, REPORT_MARKER } from './render';
export { METHODS, readPlan } from './decide';
export { PLAN_FILE_NAMES, ANNOTATION_PREFIX } from '../rules/release/RG303-no-rollback-plan';
export type * from './model';
