// Jest globalSetup of the chart checks: helm and kubeconform are built from source by scripts/stack/helm.sh
// (called by `stack.sh up`, so by `npm test`). A missing tool fails the run with the command that builds it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

module.exports = async () => {
  const bin = join(__dirname, '../../.stack/bin');
  const missing = ['helm', 'kubeconform'].filter((tool) => !existsSync(join(bin, tool)));
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} not found in .stack/bin.\n` +
        'Build them with `bash scripts/stack/helm.sh` (or `npm run stack:up`, which calls it).',
    );
  }
};
