// Loads TypeScript through SWC with decorator metadata (which Nest's dependency injection needs and tsx's
// esbuild does not emit) and resolves the workspace's `@platform/*` path aliases, for the processes the
// benchmarks fork (bench:http apps, the bench:events service): `node -r tools/bench/swc-register.cjs x.ts`.
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

const root = join(__dirname, '..', '..');
// tsconfig.base.json has comments; only whole-line `//` comments are used there.
const tsconfig = JSON.parse(
  readFileSync(join(root, 'tsconfig.base.json'), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n'),
);
const aliases = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [alias, join(root, target)]),
);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, aliases[request] ?? request, ...rest);
};

const options = (filename) => ({
  filename,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
});

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), options(filename));
  module._compile(code, filename);
};
