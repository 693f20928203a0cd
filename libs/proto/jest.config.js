module.exports = {
  preset: '../../jest.preset.js',
  displayName: 'proto',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/proto',
};
