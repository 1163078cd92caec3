/**
 * Rollback Guard in a real VS Code (code-server): diagnostics in the Problems
 * panel for a Helm template, a quick fix that removes its finding, an
 * extension host that activated without errors, and a manifest file whose
 * broken document leaves the findings of the others in place.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { applyQuickFix, capture, copyDirectory, goTo, openSession, ROOT, waitForProblems, type Session } from './support';

let session: Session;
let workspace: string;
let failed = false;

before(async () => {
  workspace = copyDirectory(path.join(ROOT, 'examples', 'bookstore'), 'rg-e2e-diagnostics-');
  session = await openSession('diagnostics', workspace);
});

after(async () => {
  await session?.stop(failed);
});

async function step(name: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (error) {
    failed = true;
    throw error;
  }
}

test('the extension activates without errors in the extension host log', () =>
  step('activation', async () => {
    await session.workbench.openFile('charts/storefront/templates/deployment.yaml');
    const deadline = Date.now() + 30_000;
    while (!/rollback-guard/i.test(session.server.extensionHostLogs()) && Date.now() < deadline) await session.workbench.page.waitForTimeout(500);
    const log = session.server.extensionHostLogs();
    assert.match(log, /rollback-guard/i);
    const errors = log.split('\n').filter((l) => /\[error\]/i.test(l) && /rollback-guard/i.test(l));
    assert.deepEqual(errors, []);
  }));

test('the Problems panel shows the Helm template findings with their rule ids', () =>
  step('problems', async () => {
    const rows = await waitForProblems(session.workbench, (r) => r.some((t) => t.includes('RG103')));
    assert.ok(rows.some((t) => /deployment\.yaml/.test(t)), rows.join('\n'));
    assert.ok(rows.some((t) => /RG103/.test(t) && /reads ConfigMap/.test(t)), rows.join('\n'));
    await capture(session, 'problems-helm-template', 'problems.png');
  }));

test('the checksum quick fix edits the template and the finding disappears', () =>
  step('quick fix', async () => {
    await session.workbench.openFile('charts/storefront/templates/deployment.yaml');
    await goTo(session.workbench, 28, 23);
    await applyQuickFix(session.workbench, /checksum\/config/);
    await session.workbench.page.keyboard.press('Control+S');
    await waitForProblems(session.workbench, (rows) => !rows.some((t) => /RG103/.test(t)));
    const text = fs.readFileSync(path.join(workspace, 'charts/storefront/templates/deployment.yaml'), 'utf8');
    assert.match(text, /checksum\/config: \{\{ include \(print \$\.Template\.BasePath "\/configmap\.yaml"\) \. \| sha256sum \}\}/);
    await capture(session, 'quick-fix-applied', 'quick-fix-applied.png');
  }));

test('a broken document between good ones: the Problems panel shows the good documents\' findings and one note for the broken one', () =>
  step('broken document', async () => {
    const good = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: "example/${name}:latest"\n`;
    const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: "unclosed\n';
    fs.mkdirSync(path.join(workspace, 'apps', 'mixed'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'apps', 'mixed', 'all.yaml'), `${good('web')}---\n${broken}---\n${good('api')}`);
    await session.workbench.openFile('apps/mixed/all.yaml');
    const rows = await waitForProblems(session.workbench, (r) => r.some((t) => /RG101/.test(t) && /example\/api:latest/.test(t)) && r.some((t) => /RG003/.test(t)));
    assert.ok(rows.some((t) => /RG101/.test(t) && /example\/web:latest/.test(t)), rows.join('\n'));
    assert.ok(rows.some((t) => /RG101/.test(t) && /example\/api:latest/.test(t)), rows.join('\n'));
    const notes = rows.filter((t) => /RG003/.test(t));
    assert.equal(notes.length, 1, rows.join('\n'));
    assert.match(notes[0]!, /Not analysed: Missing closing "quote/);
    await capture(session, 'problems-broken-document');
  }));
