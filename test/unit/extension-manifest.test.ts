import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../src/extension/generated/commands';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('extension manifest', () => {
  it('the typed command list is generated from package.json and up to date', () => {
    const declared = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual([...COMMAND_IDS], declared);
  });

  it('every command has a title, the Rollback Guard category and a codicon or is internal', () => {
    const hidden = new Set((manifest.contributes.menus.commandPalette ?? []).filter((m: { when?: string }) => m.when === 'false').map((m: { command: string }) => m.command));
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, 'Rollback Guard', c.command);
      assert.ok(c.title.length > 3, c.command);
      if (!hidden.has(c.command)) assert.match(c.icon ?? '', /^\$\([a-z-]+\)$/, `${c.command} has a codicon`);
    }
  });

  it('every setting is namespaced and documented', () => {
    for (const [key, setting] of Object.entries<{ description?: string; markdownDescription?: string }>(manifest.contributes.configuration.properties)) {
      assert.match(key, /^rollbackGuard\./);
      assert.ok((setting.description ?? setting.markdownDescription ?? '').length > 10, key);
    }
  });

  it('activation is narrow: no "*" and no onStartupFinished', () => {
    assert.ok(!manifest.activationEvents.includes('*'));
    assert.ok(!manifest.activationEvents.includes('onStartupFinished'));
  });

  it('declares limited support for untrusted workspaces', () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('every file the manifest points at exists', () => {
    const paths = [
      manifest.icon,
      ...manifest.contributes.viewsContainers.activitybar.map((v: { icon: string }) => v.icon),
      ...manifest.contributes.snippets.map((s: { path: string }) => s.path),
      ...manifest.contributes.yamlValidation.map((s: { url: string }) => s.url),
    ];
    for (const p of paths) assert.ok(existsSync(join(root, p)), p);
  });

  it('the walkthrough has its five steps, each with a picture that exists and ships in the .vsix', () => {
    const [walkthrough] = manifest.contributes.walkthroughs as { id: string; steps: { id: string; title: string; description: string; media: { image: string; altText: string } }[] }[];
    assert.deepEqual(walkthrough!.steps.map((s) => s.id), ['what', 'manifest', 'release', 'cluster', 'rollback']);
    const shipped = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    for (const step of walkthrough!.steps) {
      assert.ok(existsSync(join(root, step.media.image)), step.media.image);
      assert.ok(shipped.includes(step.media.image), `${step.media.image} is listed in .vscodeignore`);
      assert.ok(step.media.altText.length > 20, step.id);
      // Every command a step links to is one the extension declares or a built-in one.
      for (const [, id] of step.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(id!.startsWith('workbench.') || manifest.contributes.commands.some((c: { command: string }) => c.command === id), id);
    }
  });

  it('snippets are valid JSON with prefixes', () => {
    for (const { path } of manifest.contributes.snippets) {
      const snippets = JSON.parse(readFileSync(join(root, path), 'utf8'));
      for (const [name, s] of Object.entries<{ prefix: string; body: string[] }>(snippets)) {
        assert.match(s.prefix, /^rg-/, name);
        assert.ok(Array.isArray(s.body) && s.body.length > 0, name);
      }
    }
  });
});
