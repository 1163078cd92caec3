/**
 * `npm run bench [-- suite…]`: every benchmark suite in bench/suites, or the
 * named ones. Benchmarks print medians and ratios; they never fail a build.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const dir = join(__dirname, 'suites');
  const suites = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
  for (const name of suites) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    console.log(`\n## ${name}`);
    const suite = (await import(join(dir, `${name}.ts`))) as { run(args: string[]): Promise<void> };
    await suite.run(process.argv.slice(2));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
