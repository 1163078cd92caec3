import type { Analyzer } from '../analyzer';
import { manifestAnalyzer } from './manifest';

/** In claim order: specific file layouts (migration frameworks) before generic YAML. */
export const ANALYZERS: readonly Analyzer[] = [manifestAnalyzer];
