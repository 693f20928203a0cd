// Jest globalSetup: integration specs need the real stack. Rather than skipping (which would hide a
// broken test), fail at once with the command that starts it.
const net = require('node:net');

const targets = () => {
  const clusterBase = Number(process.env.REDIS_CLUSTER_BASE_PORT ?? 17001);
  return [
    ['PostgreSQL', '127.0.0.1', Number(process.env.PG_PORT ?? 15432)],
    ['Redis', '127.0.0.1', Number(process.env.REDIS_PORT ?? 16379)],
    ['Redis Cluster', '127.0.0.1', clusterBase],
    ['Kafka', '127.0.0.1', Number(process.env.KAFKA_PORT ?? 19092)],
  ];
};

const reachable = (host, port) =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });

module.exports = async () => {
  const down = [];
  for (const [name, host, port] of targets()) {
    if (!(await reachable(host, port))) down.push(`${name} (${host}:${port})`);
  }
  if (down.length > 0) {
    throw new Error(
      `The local stack is not running: ${down.join(', ')} unreachable.\n` +
        `Start it with \`npm run stack:up\` (or run the whole suite with \`npm test\`, which starts it).`,
    );
  }
};
