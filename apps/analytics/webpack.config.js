const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

// Node bundle of the analytics service. node_modules stay external (generatePackageJson lists them for the
// Docker image); the .proto files ship next to main.js because the gRPC server loads them at runtime.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/analytics'), clean: true },
  devtool: 'source-map',
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      assets: [{ input: 'libs/proto', glob: '**/*.proto', output: 'proto' }],
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: true,
      sourceMap: true,
    }),
  ],
};
