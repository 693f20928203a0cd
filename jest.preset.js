// Shared Jest settings for every project. Projects add their own displayName and testMatch.
const nxPreset = require('@nx/jest/preset').default;

/** SWC transform with legacy decorators and emitted metadata, which Nest's DI needs. */
const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': swcTransform },
  // @nestjs/schedule and jose ship ES modules only: compile them to CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/schedule/|jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/src/**/*.int-spec.ts',
    '<rootDir>/test/**/*.int-spec.ts',
  ],
  reporters: ['default', require.resolve('./tools/jest/summary-reporter.js')],
  testTimeout: 30000,
  // A suite that leaves a socket or timer behind (a killed throwaway server's client still reconnecting)
  // must not hang CI after its tests have finished and reported.
  forceExit: true,
  restoreMocks: true,
};
