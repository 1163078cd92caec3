export declare function isNpmRunVariable(key: string): boolean;
export declare function stripNpmPath(value: string): string;
export declare function childEnv(overrides?: Record<string, string | undefined>, base?: NodeJS.ProcessEnv): Record<string, string>;
