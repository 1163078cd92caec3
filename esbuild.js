// Bundles the extension and the CLI. `vscode` is provided by the editor at
// runtime; parser WASM files are copied next to the bundles because they are
// loaded from disk, not imported.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const watch = process.argv.includes('--watch');
const production = !watch && !process.argv.includes('--dev');

/** WASM assets the parsers load at runtime, copied into dist/wasm. */
const wasmAssets = [
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  'node_modules/libpg-query/wasm/libpg-query.wasm',
  'node_modules/tree-sitter-python/tree-sitter-python.wasm',
  'node_modules/tree-sitter-ruby/tree-sitter-ruby.wasm',
  'node_modules/tree-sitter-javascript/tree-sitter-javascript.wasm',
  'node_modules/tree-sitter-typescript/tree-sitter-typescript.wasm',
];

function copyAssets() {
  const out = path.join(__dirname, 'dist', 'wasm');
  fs.mkdirSync(out, { recursive: true });
  for (const rel of wasmAssets) {
    const src = path.join(__dirname, rel);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(out, path.basename(rel)));
  }
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  sourcesContent: false,
  minify: production,
  legalComments: 'linked',
  logLevel: 'info',
  // `import.meta.url` appears in ESM dependencies; give CJS bundles a value.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node\n' + common.banner.js } },
];

async function main() {
  copyAssets();
  if (watch) {
    for (const options of builds) await (await esbuild.context(options)).watch();
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
  fs.chmodSync(path.join(__dirname, 'dist', 'cli.js'), 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
