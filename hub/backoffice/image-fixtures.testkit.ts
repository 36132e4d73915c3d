// Test images with a real structure (JPEG SOI, APP0, SOF0 frame size, filler, EOI; PNG signature, IHDR, IEND) for the headshot checks.

/** A JPEG of `n` bytes (at least 40) whose frame header says width x height; `fill` varies the content (and the hash). */
export function testJpeg(n: number, fill = 1, width = 240, height = 320): Uint8Array {
  const head = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof = [0xff, 0xc0, 0x00, 0x0b, 0x08, height >> 8, height & 255, width >> 8, width & 255, 0x01, 0x01, 0x11, 0x00];
  const b = new Uint8Array(Math.max(n, head.length + sof.length + 4)).fill(fill & 0x7f);
  b.set(head, 0);
  b.set(sof, head.length);
  b.set([0xff, 0xda], head.length + sof.length); // start of scan: the rest is "image data"
  b.set([0xff, 0xd9], b.length - 2);
  return b;
}

function crcTable(): number[] {
  return Array.from({ length: 256 }, (_v, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
}
const CRC = crcTable();
function crc32(bytes: number[]): number {
  let c = 0xffffffff;
  for (const x of bytes) c = CRC[(c ^ x) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: number[]): number[] {
  const t = [...type].map((ch) => ch.charCodeAt(0));
  const len = data.length;
  const crc = crc32([...t, ...data]);
  return [len >>> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255, ...t, ...data, crc >>> 24, (crc >> 16) & 255, (crc >> 8) & 255, crc & 255];
}

/** A PNG header with the given size (IHDR + an empty IDAT + IEND: structure only). */
export function testPng(width = 240, height = 320): Uint8Array {
  const be = (v: number) => [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255];
  return Uint8Array.from([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk("IHDR", [...be(width), ...be(height), 8, 2, 0, 0, 0]),
    ...chunk("IDAT", []),
    ...chunk("IEND", []),
  ]);
}
