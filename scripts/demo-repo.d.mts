export declare const EXAMPLE: string;
export declare const DEFAULT_TARGET: string;
export declare const FEATURE_BRANCH: string;
export declare function createDemoRepo(options?: { target?: string; force?: boolean; log?: (message: string) => void }): {
  dir: string;
  branch: string;
  created: boolean;
  commits: Record<string, string>;
};
