module.exports = {
  preset: '../../jest.preset.js',
  displayName: 'platform-e2e',
  rootDir: __dirname,
  // Integration specs need the real stack: fail fast with the fix when it is down.
  globalSetup: '../../tools/jest/stack-check.js',
  testTimeout: 60000,
  // The preset's places, plus the benches' own unit specs (bench:load's hit-rate model).
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/test/**/*.int-spec.ts',
    '<rootDir>/bench/**/*.spec.ts',
  ],
  coverageDirectory: '../../coverage/apps/platform-e2e',
};
