import { readFileSync } from 'node:fs';
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

/** Analyses `test/fixtures/migrations/<rel>` with a reader for its up/down counterpart. */
export async function analyzeMigration(rel: string) {
  return new Engine({ readFile: fixtureReader }).analyze({ path: `migrations/${rel}`, text: readFileSync(join(FIXTURES, 'migrations', rel), 'utf8') });
}
