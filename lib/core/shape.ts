// A tensor's shape as PyTorch gives it: how many values it holds, and how errors print it.

/** The number of values of a tensor of that shape: 1 for the shape [] of a scalar. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** (3, 4) as PyTorch prints a shape; a Matrix prints as 3x4 (core/format.ts's shapeText). */
export const tensorShapeText = (shape: readonly number[]): string => `(${shape.join(", ")})`;
