// The webpack config every service app uses: a Node bundle with node_modules kept external
// (generatePackageJson lists them for the Docker image) and the .proto files shipped next to main.js,
// because the gRPC server loads them at runtime.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

/** @param {string} appDir the app's folder (its __dirname); @param {string} name the service name */
module.exports = function serviceWebpackConfig(appDir, name) {
  return {
    output: { path: join(appDir, '../../dist/apps', name), clean: true },
    devtool: 'source-map',
    // Honour `/* webpackIgnore: true */` in require calls: a file read from node_modules at run time
    // (`require.resolve`) must be resolved by Node, not turned into a module id.
    module: { parser: { javascript: { commonjsMagicComments: true } } },
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
};
