// The numbers a figure's markup carries, written to a fixed precision. Positions computed through Math.pow and the
// like differ in their last bits between engines (Node 24's Math.pow is the C library's; Node 20 and 22 use V8's own),
// and a figure committed in a notebook must read the same wherever it is drawn. A hundredth of a pixel is invisible.
import type { SvgNode } from "./dom.js";

export const markupDecimals = 2;

// A color "#e5e7eb" whole (so that neither its "5e7" nor its "4e79" is read as a number), or else a decimal or exponent
// number, whole: a path's "M40.5,3", "-3.5", "1e-7".
const markupNumber = /#[0-9a-f]+|(?<![\d.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\d.])/gi;
// Attributes that hold text or data rather than geometry: a data: URI's base64, a label, a class.
const textAttribute = /^(?:href|xlink:href|class|id|font-family|aria-.*|data-.*)$/i;

/** value rounded to markupDecimals, without trailing zeros or a minus sign on zero: 71.00000000000001 is "71". */
export function formatMarkupNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`formatMarkupNumber: expected a finite number, got ${value}`);
  const rounded = Number(value.toFixed(markupDecimals));
  return String(rounded === 0 ? 0 : rounded);
}

/** An attribute's value with each non-integer number rounded (formatMarkupNumber); integers and words stay as written. */
export function roundMarkupNumbers(text: string): string {
  return text.replace(markupNumber, (token) => (!token.startsWith("#") && /[.e]/i.test(token) ? formatMarkupNumber(Number(token)) : token));
}

/** Rounds the numbers in the attributes of node and everything inside it, in place (text content is left alone). */
export function roundNodeNumbers(node: SvgNode): void {
  for (const { name, value } of Array.from(node.attributes ?? [])) {
    if (!textAttribute.test(name)) {
      const rounded = roundMarkupNumbers(value);
      if (rounded !== value) node.setAttribute(name, rounded);
    }
  }
  for (const child of Array.from(node.childNodes)) roundNodeNumbers(child);
}
