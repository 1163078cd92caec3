import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../src/core/engine';
import { FIXTURES } from '../helpers';

/** Reads fixtures by the path the engine gives (relative to test/fixtures), as the CLI and the editor do. */
export function fixtureReader(path: string): string | undefined {
  try {
    return readFileSync(join(FIXTURES, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** Lists a fixture folder by the path the engine gives. */
export function fixtureLister(dir: string): string[] | undefined {
  try {
    return readdirSync(join(FIXTURES, dir));
  } catch {
    return undefined;
  }
}

/** Analyses `test/fixtures/migrations/<rel>` with a reader for its up/down counterpart. */
export async function analyzeMigration(rel: string) {
  return new Engine({ readFile: fixtureReader, listDir: fixtureLister }).analyze({ path: `migrations/${rel}`, text: readFileSync(join(FIXTURES, 'migrations', rel), 'utf8') });
}
