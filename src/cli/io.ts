import { redact } from '../core/redact';

/** What a CLI command may touch of its process; tests pass their own. */
export interface CliIO {
  cwd: string;
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal that shows colours. */
  color: boolean;
  version: string;
  env: NodeJS.ProcessEnv;
  /** The script this CLI runs from, which also starts analysis worker threads; without it, analysis stays in this thread. */
  workerScript?: string;
}

/**
 * The same IO with every write redacted: the one place the CLI's output
 * passes through, whatever the command or format (see core/redact.ts).
 */
export function redactingIO(io: CliIO): CliIO {
  return { ...io, out: (text) => io.out(redact(text)), err: (text) => io.err(redact(text)) };
}
