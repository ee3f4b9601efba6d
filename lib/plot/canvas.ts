// The part of a 2D canvas that Plot's color legend uses (fillStyle, fillRect, toDataURL), painting a real PNG.
import { parseColor } from "./color.js";
import { encodePng } from "./png.js";

export class PngCanvas {
  width = 300;
  height = 150;
  private pixels = new Uint8Array(0);

  getContext(kind: string): { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void } {
    if (kind !== "2d") throw new RangeError(`PngCanvas.getContext: only "2d" is supported, got ${JSON.stringify(kind)}`);
    const canvas = this;
    canvas.pixels = new Uint8Array(canvas.width * canvas.height * 4);
    return {
      fillStyle: "#000000",
      // Plot paints each pixel once, so painting replaces the pixel rather than blending with it.
      fillRect(x, y, w, h) {
        const rgba = parseColor(this.fillStyle);
        for (let row = Math.max(0, y); row < Math.min(canvas.height, y + h); row++) {
          for (let col = Math.max(0, x); col < Math.min(canvas.width, x + w); col++) {
            canvas.pixels.set(rgba, (row * canvas.width + col) * 4);
          }
        }
      },
    };
  }

  toDataURL(): string {
    if (this.pixels.length !== this.width * this.height * 4) this.pixels = new Uint8Array(this.width * this.height * 4);
    return `data:image/png;base64,${encodePng(this.width, this.height, this.pixels).toString("base64")}`;
  }
}
