module.exports = {
  preset: '../../jest.preset.js',
  displayName: 'workspace-checks',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout: 60000,
  coverageDirectory: '../../coverage/tools/workspace-checks',
};
