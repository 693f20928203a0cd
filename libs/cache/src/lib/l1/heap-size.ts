/** A pointer or a small integer in a V8 object slot (64-bit, no pointer compression: Node's default). */
const SLOT = 8;
/** Header of a plain object (map, properties, elements). */
const OBJECT_HEADER = 3 * SLOT;
/** Header of an array object plus the header of its elements store. */
const ARRAY_HEADER = 4 * SLOT + 2 * SLOT;
/** Header of a string (map, hash, length), before its characters. */
const STRING_HEADER = 2 * SLOT;
/** A double that is not a small integer is boxed in a HeapNumber. */
const HEAP_NUMBER = 2 * SLOT;

/**
 * Bytes V8 spends on one L1 entry besides its value and key: the entry's node (8 fields), its slot in the
 * key → node map (with the map's spare capacity), the `{ v, e, s?, g?, t? }` envelope with its boxed times, and
 * the frequency sketch's share (up to 16 B per entry). Checked against measured heap by `bench:cache` (g).
 */
export const L1_ENTRY_OVERHEAD_BYTES =
  10 * SLOT + 6 * SLOT + (OBJECT_HEADER + 5 * SLOT + 2 * HEAP_NUMBER) + 16;

/**
 * Estimates the heap a JSON-shaped value occupies in V8 (objects, arrays, strings, boxed numbers), so the L1
 * byte budget means heap, not serialized bytes: a ~1 KB JSON object costs ~1.3 KB as objects. `twoByte`
 * counts strings at two bytes a character (when the value has non-Latin-1 text, V8 stores such strings so).
 * Shared sub-objects are counted each time they appear (an upper bound).
 */
export function estimateHeapBytes(value: unknown, twoByte: boolean): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value.length, twoByte);
    case 'number':
      return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? 0 : HEAP_NUMBER;
    case 'object': {
      if (value === null) return 0;
      if (Array.isArray(value)) {
        let bytes = ARRAY_HEADER + value.length * SLOT;
        for (const item of value) bytes += estimateHeapBytes(item, twoByte);
        return bytes;
      }
      let bytes = OBJECT_HEADER;
      for (const key in value) {
        // In-object slot, plus the shared hidden class's share of the key (keys are interned: not counted).
        bytes += SLOT + estimateHeapBytes((value as Record<string, unknown>)[key], twoByte);
      }
      return bytes;
    }
    default:
      return 0; // booleans, undefined: shared oddballs
  }
}

/** Heap bytes of a string of `length` characters (rounded up to the 8-byte allocation unit). */
export function stringBytes(length: number, twoByte: boolean): number {
  return (STRING_HEADER + (twoByte ? 2 * length : length) + 7) & ~7;
}
