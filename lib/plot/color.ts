// Reads the CSS colors that Plot's scales produce, and decides which text color is readable on them.

export type Rgba = [r: number, g: number, b: number, a: number];

const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
const functional = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/i;

/** "#rgb", "#rrggbb", "rgb(r, g, b)" or "rgba(r, g, b, a)" (what d3's interpolators return) as 0-255 channels. */
export function parseColor(css: string): Rgba {
  const h = hex.exec(css);
  if (h) {
    const digits = h[1].length === 3 ? [...h[1]].map((d) => d + d).join("") : h[1];
    return [0, 2, 4].map((k) => parseInt(digits.slice(k, k + 2), 16)).concat(255) as Rgba;
  }
  const f = functional.exec(css);
  if (f) return [Number(f[1]), Number(f[2]), Number(f[3]), f[4] === undefined ? 255 : Math.round(Number(f[4]) * 255)];
  throw new RangeError(`parseColor: cannot read the color ${JSON.stringify(css)}; use #rrggbb or rgb(r, g, b)`);
}

/** WCAG relative luminance: 0 for black, 1 for white. */
function luminance([r, g, b]: Rgba): number {
  const linear = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** True when white text reads better than black on this background; mid tones (luminance 0.18 to 0.3) count as dark. */
export function isDark(css: string): boolean {
  return luminance(parseColor(css)) < 0.3;
}
