module.exports = {
  preset: '../../../jest.preset.js',
  displayName: 'compliance-client',
  rootDir: __dirname,
  // Integration specs need the real stack: fail fast with the fix when it is down.
  globalSetup: '../../../tools/jest/stack-check.js',
  coverageDirectory: '../../../coverage/libs/compliance/client',
};
