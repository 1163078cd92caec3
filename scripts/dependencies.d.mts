export declare function dependenciesInstalled(root: string): boolean;
export declare function ensureDependencies(root: string, log?: (message: string) => void): boolean;
