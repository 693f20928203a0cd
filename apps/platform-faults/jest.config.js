module.exports = {
  preset: '../../jest.preset.js',
  displayName: 'platform-faults',
  rootDir: __dirname,
  // No stack check: the suite starts (and breaks) servers of its own, never the shared stack's.
  testTimeout: 60000,
  coverageDirectory: '../../coverage/apps/platform-faults',
};
