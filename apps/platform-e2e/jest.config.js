module.exports = {
  preset: '../../jest.preset.js',
  displayName: 'platform-e2e',
  rootDir: __dirname,
  // Integration specs need the real stack: fail fast with the fix when it is down.
  globalSetup: '../../tools/jest/stack-check.js',
  testTimeout: 60000,
  coverageDirectory: '../../coverage/apps/platform-e2e',
};
