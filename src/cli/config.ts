import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CONFIG_FILE_NAMES, DEFAULT_CONFIG, parseConfig, type RollbackGuardConfig } from '../core/config';
import { UsageError } from './args';

/**
 * The repository configuration: `--config FILE`, else the first
 * `.rollbackguard.yaml` from the working directory up to the repository root.
 */
export function loadConfig(cwd: string, explicit?: string): { config: RollbackGuardConfig; file?: string } {
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new UsageError(`config file not found: ${explicit}`);
    return { config: parseConfig(readFileSync(file, 'utf8'), explicit), file };
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return { config: parseConfig(readFileSync(file, 'utf8'), relative(cwd, file) || name), file };
    }
    if (existsSync(join(dir, '.git')) || dir === dirname(dir)) return { config: DEFAULT_CONFIG };
  }
}
