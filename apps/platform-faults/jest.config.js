module.exports = {
  preset: '../../jest.preset.js',
  displayName: 'platform-faults',
  rootDir: __dirname,
  // No stack check: the suite starts (and breaks) servers of its own, never the shared stack's.
  testTimeout: 60000,
  // The fault run itself only with `npm run test:faults` (FAULT_SUITE=1): it is red today (defects listed in
  // README.md), so `npm test` runs only the verdict rules' unit specs until those defects are fixed.
  testPathIgnorePatterns:
    process.env['FAULT_SUITE'] === '1' ? ['/node_modules/'] : ['/node_modules/', '\\.int-spec\\.ts$'],
  coverageDirectory: '../../coverage/apps/platform-faults',
};
