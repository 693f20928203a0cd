/** Sizing of a {@link BloomFilter}. */
export interface BloomFilterSizing {
  /** How many members the filter is built for. */
  capacity: number;
  /** The false-positive rate wanted at `capacity` members, e.g. 0.01. */
  falsePositiveRate: number;
}

const MAGIC = 0x424c4d31; // 'BLM1'
const HEADER_BYTES = 12;

/**
 * The 32-bit value of 8 lowercase hex characters of `hex` from `at` (no allocation, no validation). Shifts
 * in 32-bit integer arithmetic (wrapping, then read back unsigned): the same value as `value * 16 + digit`
 * without leaving small integers for doubles on the check path.
 */
function hex32(hex: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i);
    value = (value << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return value >>> 0;
}

/**
 * `value mod size` for an unsigned 32-bit `value`. `%` on numbers past 2^31 is a floating-point remainder, a
 * call out of optimised code. The floor of the quotient is exact: a quotient that is not an integer is at
 * least 1/size below the next one, while the division rounds by less than value·2^-53/size, so this is the
 * same value (the spec checks the positions against `%`).
 */
const mod = (value: number, size: number): number => value - Math.floor(value / size) * size;

/**
 * A Bloom filter over members that are already uniformly random hex strings (HMAC-SHA256 phone hashes):
 * its `k` bit positions come from the member's own first 64 bits by double hashing
 * (`h1 + i·h2 mod m`), so a test costs no extra hashing. Says "no" only for non-members; "maybe" for
 * members and a `falsePositiveRate` share of non-members. Serialises to one buffer (12-byte header, bits).
 */
export class BloomFilter {
  private constructor(
    /** The bits, `size` of them. */
    private readonly bits: Uint8Array,
    /** Number of bits (m). */
    readonly size: number,
    /** Number of bit positions per member (k). */
    readonly hashes: number,
  ) {}

  /** An empty filter sized for `capacity` members at `falsePositiveRate`: m = −n·ln p / ln²2, k = m/n·ln 2. */
  static forCapacity(sizing: BloomFilterSizing): BloomFilter {
    const n = Math.max(1, Math.ceil(sizing.capacity));
    const p = sizing.falsePositiveRate;
    if (!(p > 0 && p < 1)) throw new RangeError('falsePositiveRate must be between 0 and 1');
    const size = Math.ceil((-n * Math.log(p)) / (Math.LN2 * Math.LN2) / 8) * 8;
    const hashes = Math.max(1, Math.round((size / n) * Math.LN2));
    return new BloomFilter(new Uint8Array(size / 8), size, hashes);
  }

  /** The filter serialised by {@link toBytes}; rejects a buffer that is not one. */
  static fromBytes(bytes: Uint8Array): BloomFilter {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < HEADER_BYTES || view.getUint32(0) !== MAGIC) {
      throw new Error('not a serialised Bloom filter');
    }
    const hashes = view.getUint32(4);
    const size = view.getUint32(8);
    if (bytes.byteLength !== HEADER_BYTES + size / 8) throw new Error('truncated Bloom filter');
    return new BloomFilter(Uint8Array.from(bytes.subarray(HEADER_BYTES)), size, hashes);
  }

  /** Header (magic, k, m) then the bits. */
  toBytes(): Buffer {
    const out = Buffer.alloc(HEADER_BYTES + this.bits.byteLength);
    out.writeUInt32BE(MAGIC, 0);
    out.writeUInt32BE(this.hashes, 4);
    out.writeUInt32BE(this.size, 8);
    out.set(this.bits, HEADER_BYTES);
    return out;
  }

  /** Adds a member (a hex string of at least 16 characters). */
  add(member: string): void {
    const size = this.size;
    const step = mod((hex32(member, 8) | 1) >>> 0, size);
    let bit = mod(hex32(member, 0), size);
    for (let i = 0; i < this.hashes; i++) {
      this.bits[bit >>> 3] |= 1 << (bit & 7);
      bit += step;
      if (bit >= size) bit -= size;
    }
  }

  /**
   * False when `member` was certainly never added; true when it may have been. Position i is
   * `(h1 + i·h2) mod m`, walked as `h1 mod m` plus `h2 mod m` per step, wrapped by one subtraction: the same
   * positions (serialised filters stay valid) with two divisions per test instead of one per position.
   */
  mightContain(member: string): boolean {
    const size = this.size;
    const step = mod((hex32(member, 8) | 1) >>> 0, size);
    let bit = mod(hex32(member, 0), size);
    for (let i = 0; i < this.hashes; i++) {
      if ((this.bits[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
      bit += step;
      if (bit >= size) bit -= size;
    }
    return true;
  }

  /** Size of the serialised filter in bytes. */
  get byteLength(): number {
    return HEADER_BYTES + this.bits.byteLength;
  }
}
