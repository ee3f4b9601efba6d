// A layer's state buffers: views of the model's one memory (carved by tensors.ts from the layer's table of names
// and shapes), or, for a layer used on its own, arrays of its own of the same shapes.
import type { Float } from "../parameters.js";

/**
 * A lookup of a mixture state's buffers by name: the model's views (carved from its one memory by tensors.ts), or,
 * without them, arrays of its own of the given shapes. Missing names are an error.
 */
export function viewsOrOwn(dtype: "float32" | "float64", shapes: readonly { name: string; shape: number[] }[], views?: ReadonlyMap<string, Float>): (name: string) => Float {
  const FloatArray = dtype === "float32" ? Float32Array : Float64Array;
  const map = views ?? new Map(shapes.map(({ name, shape }) => [name, new FloatArray(shape.reduce((a, b) => a * b, 1)) as Float]));
  return (name: string): Float => {
    const view = map.get(name);
    if (view === undefined) throw new Error(`layer state: no buffer named ${name}`);
    return view;
  };
}

