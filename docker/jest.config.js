// The images and compose checks: hadolint on every Dockerfile, compose.yaml against the compose-spec schema,
// and both read against the stack, the services' config loaders and their builds. No server is needed, but
// the tools the stack script installs are (hadolint, and the servers' binaries for their versions).
module.exports = {
  preset: '../jest.preset.js',
  displayName: 'docker',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  testTimeout: 60000,
  coverageDirectory: '../coverage/docker',
};
