import type { Analyzer } from '../analyzer';
import { manifestAnalyzer } from './manifest';
import { MIGRATION_ANALYZERS } from './migration';

/** In claim order: specific file layouts (migration frameworks) before generic YAML. */
export const ANALYZERS: readonly Analyzer[] = [...MIGRATION_ANALYZERS, manifestAnalyzer];
