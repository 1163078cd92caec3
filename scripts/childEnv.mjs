// The environment every process the project's scripts start gets (npm, node,
// go, code-server, the test runner): the caller's environment without what an
// outer `npm run` adds to it. Under `npm run`, npm exports its own settings as
// `npm_config_*` (among them `npm_config_user_agent`, which names npm's Node),
// the package as `npm_package_*`, the script as `npm_lifecycle_*`, plus
// `npm_node_execpath`, `npm_execpath`, `npm_command`, `NODE`, `INIT_CWD` and
// `COLOR`, and puts `node_modules/.bin` and its node-gyp shim first on PATH. A
// nested npm reads all of that as its own configuration, so an npm running on
// another Node (the editor's Node 24) would believe it runs on the outer one.
// Upper-case `NPM_CONFIG_*` variables are the user's own and are kept.

const NPM_EXACT = new Set(['NODE', 'INIT_CWD', 'COLOR']);

/** Whether `key` is a variable an outer `npm run` sets. */
export function isNpmRunVariable(key) {
  return key.startsWith('npm_') || NPM_EXACT.has(key);
}

/** PATH without the entries `npm run` puts in front (`…/node_modules/.bin`, `…/node-gyp-bin`). */
export function stripNpmPath(value) {
  const entries = value.split(':');
  let i = 0;
  while (i < entries.length && /(^|\/)(node_modules\/\.bin|node-gyp-bin)\/?$/.test(entries[i])) i++;
  return entries.slice(i).join(':');
}

/**
 * `base` (default: this process's environment) without npm's run-time
 * variables, with `overrides` on top (a value of `undefined` removes the key).
 */
export function childEnv(overrides = {}, base = process.env) {
  const underNpm = base.npm_lifecycle_event !== undefined || base.npm_command !== undefined;
  const env = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || isNpmRunVariable(key)) continue;
    env[key] = key === 'PATH' && underNpm ? stripNpmPath(value) : value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
