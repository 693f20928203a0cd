import type { Cluster, Redis } from 'ioredis';

// Redis Cluster topology helpers shared by the L2 drivers and the invalidation bus.

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

const crc16Bytes = (bytes: Uint8Array): number => {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++)
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
};

const crc16 = (text: string): number => {
  let crc = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return crc16Bytes(Buffer.from(text, 'utf8'));
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ code) & 0xff];
  }
  return crc;
};

/**
 * The Redis Cluster hash slot of a key (CRC16/XMODEM of its UTF-8 bytes, or of its non-empty `{hash tag}`,
 * modulo 16384), as `CLUSTER KEYSLOT` computes it. Implemented here rather than importing
 * `cluster-key-slot`, which is only a transitive dependency of ioredis (the lint bans importing those).
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key.slice(open + 1, close)) & 16383;
  }
  return crc16(key) & 16383;
}

/**
 * Groups positions of `keys` by hash slot, so a multi-key command never spans slots (no `CROSSSLOT`);
 * positions let callers put results back in the original order.
 */
export function groupBySlot(keys: readonly string[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const slot = keySlot(keys[i]);
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [i]);
    else group.push(i);
  }
  return groups;
}

/** Whether an ioredis client is a Cluster (duck-typed, so a second copy of ioredis is recognised too). */
export function isClusterClient(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}
