/**
 * Runs inside a VS Code extension host started by @vscode/test-electron
 * (scripts/test-vscode.mjs): the development build of Rollback Guard on a
 * copy of the bookstore example. The same behaviour is covered on code-server
 * by test/e2e; this runner is for machines with a desktop VS Code.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

type Case = [name: string, fn: () => Promise<void>];

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function ruleIds(uri: vscode.Uri): string[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === 'Rollback Guard')
    .map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)));
}

const cases: Case[] = [
  [
    'a Helm template shows RG103 and the checksum quick fix clears it',
    async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the test workspace is open');
      const uri = vscode.Uri.joinPath(folder.uri, 'charts/storefront/templates/deployment.yaml');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const diagnostic = await waitFor('RG103', () => vscode.languages.getDiagnostics(uri).find((d) => typeof d.code === 'object' && d.code.value === 'RG103'));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((a) => /checksum\/config/.test(a.title));
      assert.ok(fix?.edit, `checksum fix offered; got ${actions.map((a) => a.title).join(', ')}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      await document.save();
      await waitFor('RG103 to disappear', () => (ruleIds(uri).includes('RG103') ? undefined : true));
      assert.match(document.getText(), /checksum\/config: \{\{ include/);
    },
  ],
  [
    'every contributed command is registered',
    async () => {
      const extension = vscode.extensions.all.find((e) => e.packageJSON.name === 'rollback-guard');
      assert.ok(extension, 'Rollback Guard is loaded');
      await extension.activate();
      const registered = new Set(await vscode.commands.getCommands(true));
      const declared = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
      assert.deepEqual(declared.filter((c) => !registered.has(c)), []);
    },
  ],
];

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, fn] of cases) {
    try {
      await fn();
      console.log(`✔ ${name}`);
    } catch (error) {
      console.error(`✖ ${name}\n  ${(error as Error).stack ?? String(error)}`);
      failures.push(name);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${cases.length} VS Code tests failed: ${failures.join('; ')}`);
}
