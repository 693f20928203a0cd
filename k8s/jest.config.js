// Chart checks: real helm and kubeconform (built by scripts/stack/helm.sh into .stack/bin), no cluster needed.
module.exports = {
  preset: '../jest.preset.js',
  displayName: 'k8s',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  // Fail at once, with the command that builds them, when helm or kubeconform is missing.
  globalSetup: '<rootDir>/test/tools-check.js',
  testTimeout: 120000,
  coverageDirectory: '../coverage/k8s',
};
