module.exports = {
  preset: '../../../jest.preset.js',
  displayName: 'config',
  rootDir: __dirname,
  coverageDirectory: '../../../coverage/libs/shared/config',
};
