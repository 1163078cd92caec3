import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The official OASIS SARIF 2.1.0 schema (errata 01), as shipped in the test
 * data of a published Go module; fetched through the Go module proxy at test
 * time so no copy of it lives in this repository.
 */
const MODULE = 'github.com/securego/gosec/v2@v2.30.0';
const PATH = 'report/sarif/testdata/sarif-schema-2.1.0.json';

export function loadSarifSchema(): object {
  const out = execFileSync('go', ['mod', 'download', '-json', MODULE], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' } });
  const { Dir } = JSON.parse(out) as { Dir: string };
  return JSON.parse(readFileSync(join(Dir, PATH), 'utf8')) as object;
}
