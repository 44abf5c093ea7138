/**
 * @module util/crc32
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF), the checksum
 * of zlib, PNG and gzip. Table-driven, one byte per step. Node 20 has no zlib.crc32 (added in
 * Node 22.2), so this stands in until the engines floor moves.
 */

/** Reflected form of the IEEE polynomial 0x04C11DB7. */
const POLYNOMIAL = 0xedb88320;

/**
 * The 256-entry lookup table. Built once at import and never written afterwards (it is frozen by
 * convention: nothing outside this module can reach it), so it is constant data, not mutable state.
 */
const TABLE: Uint32Array = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * CRC-32 of `bytes`, as an unsigned 32-bit number. Pass the previous result as `crc` to continue a
 * checksum over several chunks: crc32(b, crc32(a)) === crc32(concat(a, b)).
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
