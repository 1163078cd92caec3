/**
 * `npm run fuzz -- [--count N] [--seed S] [--target manifest,helm,sql,framework,branch,memo]
 * [--only INDEX] [--save DIR] [--json FILE]`: the seeded fuzzer over every analyzer (see
 * test/fuzz/fuzzer.ts). Prints inputs by target, every problem, and the slowest inputs;
 * exits 1 when an input threw, gave an impossible range, parsed differently incrementally,
 * or took over a second. `--save` keeps each failing input (and the slowest) for a repro.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport, fuzz, TARGETS, type Target } from '../test/fuzz/fuzzer';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      target: { type: 'string' },
      only: { type: 'string' },
      save: { type: 'string' },
      json: { type: 'string' },
      'max-length': { type: 'string' },
    },
  });
  const targets = values.target ? (values.target.split(',') as Target[]) : undefined;
  for (const t of targets ?? []) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t} (one of ${TARGETS.join(', ')})`);
  const count = Number(values.count);
  let last = Date.now();
  const report = await fuzz({
    seed: Number(values.seed),
    count,
    ...(targets ? { targets } : {}),
    ...(values.only !== undefined ? { only: Number(values.only) } : {}),
    ...(values.save ? { saveDir: values.save } : {}),
    ...(values['max-length'] ? { maxLength: Number(values['max-length']) } : {}),
    progress(done, r) {
      if (Date.now() - last < 30_000) return;
      last = Date.now();
      process.stderr.write(`${done}/${count} inputs, ${r.problems.length} problems, ${r.overOneSecond.length} over 1 s, slowest ${r.slowest[0]?.ms.toFixed(0) ?? 0} ms\n`);
    },
  });
  console.log(formatReport(report));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.problems.length > 0 || report.overOneSecond.length > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
