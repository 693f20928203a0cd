module.exports = {
  preset: '../../../jest.preset.js',
  displayName: 'routing-feature',
  rootDir: __dirname,
  // Integration specs need the real stack: fail fast with the fix when it is down.
  globalSetup: '../../../tools/jest/stack-check.js',
  // @nestjs/schedule 12 and jose ship ES modules only: let SWC compile them to CommonJS like our sources.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs/schedule|cron|jose)/)'],
  coverageDirectory: '../../../coverage/libs/routing/feature',
};
