/** What a CLI command may touch of its process; tests pass their own. */
export interface CliIO {
  cwd: string;
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal that shows colours. */
  color: boolean;
  version: string;
  env: NodeJS.ProcessEnv;
}
