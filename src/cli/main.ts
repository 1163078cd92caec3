import { version } from '../../package.json';
import { ConfigError } from '../core/config';
import { UsageError } from './args';
import { check, CHECK_USAGE } from './check';
import { REPORT_USAGE } from './reportUsage';
import { FLUX_USAGE, HISTORY_USAGE, HOLD_USAGE, ROLLOUT_USAGE, UNDO_USAGE } from './clusterUsage';
import { redactingIO, type CliIO } from './io';
import { redact } from '../core/redact';
import { tuneForOneCommand } from './runtime';
import { serveAnalysis, WORKER_ARG } from './parallel';

const USAGE = `Usage: rollback-guard <command> [options]

Commands:
  check [path…]   report rollback risks in manifests and migrations (--base REF: what the branch changes)
  report          the rollback plan of the branch against its base (Markdown for a PR comment, or JSON)
  history [KIND/NAME]  revision history in the cluster: Deployments, StatefulSets, DaemonSets, Argo Rollouts,
                  Helm releases, Argo CD Applications (and Flux objects' suspend state)
  undo KIND/NAME  roll one back to an earlier revision, after a preflight, with an evidence record
  rollout abort|promote|retry rollout/NAME  act on an Argo Rollout as kubectl argo rollouts does
  flux suspend|resume kustomization/NAME|helmrelease/NAME  suspend or resume a Flux object's reconciliation
  hold start|status|resume KIND/NAME  a rollback GitOps will not undo: pause the loop, roll back, verify, resume

Run \`rollback-guard <command> --help\` for a command's options.

Environment:
  ROLLBACK_GUARD_THREADS=N     check many files with at most N threads (default: one per core)
  ROLLBACK_GUARD_CODE_CACHE=0  compile the CLI on every start instead of keeping its code in
                               a cache directory (ROLLBACK_GUARD_CACHE, else the user cache directory)`;

const COMMANDS: Record<string, { run: (argv: string[], io: CliIO) => Promise<number>; usage: string }> = {
  check: { run: check, usage: CHECK_USAGE },
  // Loaded on demand: `check` without --base never loads the Git layer, and
  // no analysis loads the cluster client.
  report: { run: async (argv, io) => (await import('./report')).report(argv, io), usage: REPORT_USAGE },
  history: { run: async (argv, io) => (await import('./history')).history(argv, io), usage: HISTORY_USAGE },
  undo: { run: async (argv, io) => (await import('./undo')).undo(argv, io), usage: UNDO_USAGE },
  rollout: { run: async (argv, io) => (await import('./rollout')).rollout(argv, io), usage: ROLLOUT_USAGE },
  flux: { run: async (argv, io) => (await import('./flux')).flux(argv, io), usage: FLUX_USAGE },
  hold: { run: async (argv, io) => (await import('./hold')).hold(argv, io), usage: HOLD_USAGE },
};

export async function main(argv: string[], unredacted: CliIO): Promise<number> {
  const io = redactingIO(unredacted);
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    io.out(`${io.version}\n`);
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    io.err(`rollback-guard: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await entry.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`rollback-guard ${command}: ${error.message}\n\n${entry.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`rollback-guard: invalid configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Runs the command line of this process and sets its exit code. */
export function runCli(): void {
  tuneForOneCommand();
  // Pipes close early (`| head`); that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2), {
    cwd: process.cwd(),
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    version,
    env: process.env,
    workerScript: require.main?.filename,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(redact(`rollback-guard: internal error: ${(error as Error).stack ?? String(error)}\n`));
      process.exitCode = 2;
    },
  );
}

/** The body of an analysis worker thread (see parallel.ts). */
export function runWorker(): void {
  tuneForOneCommand();
  serveAnalysis();
}

// Started as a script (`node dist/cli-main.js`); dist/cli.js calls these itself.
if (require.main === module) {
  if (process.argv[2] === WORKER_ARG && !(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) runWorker();
  else runCli();
}
