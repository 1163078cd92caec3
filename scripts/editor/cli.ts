/**
 * npm run editor -- install
 * npm run editor -- start <workspace> [--vsix file.vsix]... [--trust] [--port-file f]
 *
 * `install` makes sure the pinned code-server + Node 24 + chromium are in place.
 * `start` runs code-server on a free loopback port with the workspace open,
 * prints the URL and stays in the foreground until Ctrl+C.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureEditor } from './install';
import { startCodeServer } from '../../test/e2e/harness/codeServer';

const usage = `usage:
  npm run editor -- install
  npm run editor -- start <workspace> [--vsix file.vsix]... [--trust]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'install') {
    const editor = await ensureEditor();
    process.stdout.write(
      [
        `node:        ${editor.nodeBin} (v${editor.versions.node})`,
        `code-server: ${editor.codeServerBin} (${editor.versions.codeServer}, VS Code ${editor.versions.vscode})`,
        `chromium:    ${editor.chromiumPath} (${editor.versions.chromium})`,
        `run:         ${editor.nodeBin} ${editor.codeServerBin} --help`,
        '',
      ].join('\n'),
    );
    return 0;
  }
  if (command === 'start') {
    let workspace: string | undefined;
    const vsix: string[] = [];
    let trust = false;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      if (arg === '--vsix') {
        const file = rest[++i];
        if (!file) throw new Error('--vsix needs a file');
        vsix.push(file);
      } else if (arg === '--trust') {
        trust = true;
      } else if (arg.startsWith('-')) {
        throw new Error(`unknown option ${arg}\n${usage}`);
      } else if (workspace === undefined) {
        workspace = arg;
      } else {
        throw new Error(`unexpected argument ${arg}\n${usage}`);
      }
    }
    if (!workspace) throw new Error(usage);
    if (!fs.existsSync(workspace)) throw new Error(`no such workspace: ${path.resolve(workspace)}`);
    const server = await startCodeServer({ workspace, vsix, workspaceTrust: trust });
    process.stdout.write(`${server.workbenchUrl}\n`);
    process.stderr.write(
      `code-server log: ${path.join(server.logsDir, 'code-server.log')}\nVS Code logs:    ${path.join(server.userDataDir, 'logs')}\nCtrl+C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      const onSignal = (): void => resolve();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    await server.stop();
    return 0;
  }
  process.stderr.write(`${usage}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
