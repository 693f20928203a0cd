module.exports = {
  preset: '../../../jest.preset.js',
  displayName: 'routing-client',
  rootDir: __dirname,
  // Integration specs need the real stack: fail fast with the fix when it is down.
  globalSetup: '../../../tools/jest/stack-check.js',
  // Its spec starts the routing service, which uses @nestjs/schedule 12 and jose (ES modules only): compile them with SWC.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs/schedule|cron|jose)/)'],
  coverageDirectory: '../../../coverage/libs/routing/client',
};
