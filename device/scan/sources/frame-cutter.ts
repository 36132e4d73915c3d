// Cuts a raw video byte stream into frames by exact byte count and copies out the luminance plane without row padding.

export interface FrameLayout {
  /** Visible width and height in pixels. */
  width: number;
  height: number;
  /** Bytes per luminance row (>= width; rpicam pads rows, ffmpeg's gray output does not). */
  strideY: number;
  /** Bytes of one whole frame in the stream (Y plane plus any chroma planes). */
  frameBytes: number;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** ffmpeg -pix_fmt gray: packed rows, luminance only. */
export function grayLayout(width: number, height: number): FrameLayout {
  return { width, height, strideY: width, frameBytes: width * height };
}

/**
 * rpicam-vid --codec yuv420: the Y plane with rows padded to `strideAlign` bytes (64 by default), then
 * U and V planes at half width and height, their rows padded to half the Y stride.
 */
export function yuv420Layout(width: number, height: number, strideAlign = 64, stride?: number): FrameLayout {
  const strideY = stride ?? align(width, strideAlign);
  const chromaStride = strideY / 2;
  const chromaRows = Math.ceil(height / 2);
  return { width, height, strideY, frameBytes: strideY * height + 2 * chromaStride * chromaRows };
}

/**
 * Feed it chunks as they come off a pipe; it returns the newest complete luminance plane in each
 * chunk (older complete frames in the same chunk are counted in `skipped` and not emitted).
 */
export class FrameCutter {
  /** Position inside the current frame. */
  private pos = 0;
  private luma: Uint8Array;
  private readonly lumaBytes: number;
  framesCompleted = 0;
  skipped = 0;

  constructor(readonly layout: FrameLayout) {
    if (layout.strideY < layout.width || layout.frameBytes < layout.strideY * layout.height) throw new Error("frame layout is inconsistent");
    this.lumaBytes = layout.strideY * layout.height;
    this.luma = new Uint8Array(layout.width * layout.height);
  }

  push(chunk: Uint8Array): Uint8Array | undefined {
    const { width, strideY, frameBytes } = this.layout;
    let newest: Uint8Array | undefined;
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(chunk.length - off, frameBytes - this.pos);
      // Copy the part of [pos, pos + take) that lies in visible luminance pixels, row by row.
      let p = this.pos;
      const end = Math.min(this.pos + take, this.lumaBytes);
      while (p < end) {
        const row = Math.floor(p / strideY);
        const col = p - row * strideY;
        const rowEnd = Math.min(end, row * strideY + strideY);
        if (col < width) {
          const n = Math.min(width - col, rowEnd - p);
          const src = off + (p - this.pos);
          this.luma.set(chunk.subarray(src, src + n), row * width + col);
        }
        p = rowEnd;
      }
      this.pos += take;
      off += take;
      if (this.pos === frameBytes) {
        this.framesCompleted++;
        if (newest) this.skipped++;
        newest = this.luma;
        this.luma = new Uint8Array(width * this.layout.height);
        this.pos = 0;
      }
    }
    return newest;
  }

  /** Drops a partial frame (after the producing process restarts). */
  reset(): void {
    this.pos = 0;
  }
}
