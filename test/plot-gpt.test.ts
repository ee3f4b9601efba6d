// The pictures of a trained GPT: the head grid, the embedding scatter, the text panels, PCA and the inspection
// helpers they draw from.
import { describe, expect, it } from "vitest";
import {
  GPT,
  Generator,
  Matrix,
  attentionMaps,
  characterLabel,
  gptConfig,
  headGrid,
  nextTokenLogits,
  principalComponents,
  symmetricEigen,
  scatter,
  softmaxRows,
  textPanels,
  tokenEmbeddings,
} from "../lib/index.js";
import { panelLines } from "../lib/plot/textPanels.js";

/** The rects inside Plot's cell marks: one per matrix cell. */
function cellCount(markup: string): number {
  const groups: string[] = markup.match(/<g[^>]* aria-label="cell"[^>]*>.*?<\/g>/g) ?? [];
  return groups.reduce((n, g) => n + (g.match(/<rect /g)?.length ?? 0), 0);
}

/** Every <text>'s content, in document order. */
function texts(markup: string): string[] {
  return [...markup.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

const model = GPT.create(gptConfig({ vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 3, nEmbd: 12 }), { seed: 7, dtype: "float64" });
const tokens = [3, 1, 4, 1, 5, 9];

describe("attentionMaps", () => {
  const maps = attentionMaps(model, tokens);
  it("gives one (T, T) matrix per head of every layer, rows summing to 1, nothing above the diagonal", () => {
    expect(maps.length).toBe(2);
    expect(maps.map((heads) => heads.length)).toEqual([3, 3]);
    for (const m of maps.flat()) {
      expect(m.shape).toEqual([6, 6]);
      for (let i = 0; i < 6; i++) {
        expect(m.row(i).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        for (let j = i + 1; j < 6; j++) expect(m.get(i, j)).toBe(0);
      }
    }
    expect(maps[0][0].get(0, 0)).toBe(1);
  });
  it("refuses an empty sequence", () => {
    expect(() => attentionMaps(model, [])).toThrow("attentionMaps: no tokens");
  });
});

describe("nextTokenLogits and tokenEmbeddings", () => {
  it("are the last position's logits, copied, and the wte table", () => {
    const logits = nextTokenLogits(model, tokens);
    const full = model.forward(tokens, 1, 6).logits;
    expect(Array.from(logits)).toEqual(Array.from(full.subarray(5 * 11, 6 * 11)));
    model.forward([0], 1, 1);
    expect(logits[0]).toBe(full[5 * 11]); // a copy: later forwards do not change it
    const wte = tokenEmbeddings(model);
    expect(wte.shape).toEqual([11, 12]);
    expect(wte.get(2, 3)).toBe(model.parameter("transformer.wte.weight").data[2 * 12 + 3]);
  });
  it("keep only the last blockSize tokens as context", () => {
    const long = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(Array.from(nextTokenLogits(model, long))).toEqual(Array.from(nextTokenLogits(model, long.slice(2))));
  });
});

describe("characterLabel", () => {
  it("makes newline and space visible and leaves the rest", () => {
    expect([..."a\n B"].map(characterLabel)).toEqual(["a", "↵", "␣", "B"]);
  });
});

describe("symmetricEigen", () => {
  it("gives eigenvalues with unit eigenvectors as columns", () => {
    const { values, vectors } = symmetricEigen(Matrix.from([[2, 1], [1, 2]]));
    const big = values[0] > values[1] ? 0 : 1;
    expect(values[big]).toBeCloseTo(3, 14);
    expect(values[1 - big]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors.get(0, big))).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors.get(0, big) * vectors.get(1, big)).toBeGreaterThan(0);
    expect(() => symmetricEigen(Matrix.zeros(2, 3))).toThrow("symmetricEigen");
  });
});

describe("principalComponents", () => {
  it("finds the axes of an ellipse: variances, signs, projections", () => {
    // Points along (3, 4)/5 with spread 10, and along (-4, 3)/5 with spread 1.
    const points = Matrix.from([
      [6, 8], [-6, -8], [-0.8, 0.6], [0.8, -0.6],
    ]);
    const { components, variances, explained, projected } = principalComponents(points, 2);
    expect(components.row(0)[0]).toBeCloseTo(0.6, 12);
    expect(components.row(0)[1]).toBeCloseTo(0.8, 12);
    expect(Math.abs(components.row(1)[0])).toBeCloseTo(0.8, 12);
    expect(variances[0]).toBeCloseTo(200 / 3, 10);
    expect(variances[1]).toBeCloseTo(2 / 3, 10);
    expect(explained[0]).toBeCloseTo(100 / 101, 12);
    expect(projected.get(0, 0)).toBeCloseTo(10, 10);
    expect(projected.get(2, 0)).toBeCloseTo(0, 10);
  });
  it("projects a model's embeddings to 2-D without NaN, and checks its input", () => {
    const { projected } = principalComponents(tokenEmbeddings(model), 2);
    expect(projected.shape).toEqual([11, 2]);
    expect(Array.from(projected.data).every(Number.isFinite)).toBe(true);
    expect(() => principalComponents(Matrix.from([[1, 2]]), 1)).toThrow("principalComponents: needs at least 2 points, got 1x2");
    expect(() => principalComponents(Matrix.from([[1, 2], [3, 4]]), 3)).toThrow("principalComponents: k 3 must be an integer from 1 to 2");
  });
});

describe("headGrid", () => {
  const labels = ["a", "b", "␣", "c", "↵", "d"];
  const figure = headGrid(attentionMaps(model, tokens), { labels, title: "Heads" });
  it("draws a panel per head, titled by layer and head, each cell once, no NaN", () => {
    expect(cellCount(figure.markup)).toBe(2 * 3 * 36);
    const titles = texts(figure.markup).filter((t) => t.startsWith("layer "));
    expect(titles).toEqual(["layer 0, head 0", "layer 0, head 1", "layer 0, head 2", "layer 1, head 0", "layer 1, head 1", "layer 1, head 2"]);
    expect(texts(figure.markup)).toContain("Heads");
    expect(texts(figure.markup)).toContain("attention weight");
    expect(texts(figure.markup).filter((t) => t === "␣").length).toBe(2 * 6); // the row and column label of each panel
    expect(figure.markup).not.toContain("NaN");
  });
  it("refuses panels of different shapes, ragged layers, NaN and unknown options", () => {
    const a = Matrix.zeros(2, 2);
    expect(() => headGrid([[a, Matrix.zeros(3, 3)]])).toThrow("headGrid: maps[0][1] is 3x3, maps[0][0] is 2x2; every panel needs the same shape");
    expect(() => headGrid([[a, a], [a]])).toThrow("headGrid: every layer needs the same number of heads (2, 1)");
    expect(() => headGrid([[Matrix.from([[NaN]])]])).toThrow("NaN");
    expect(() => headGrid([])).toThrow("headGrid: expected maps[layer][head]");
    expect(() => headGrid([[a]], { cellsize: 3 } as never)).toThrow("cellsize");
  });
});

describe("scatter", () => {
  const points = [
    { x: 0, y: 1, label: "a", group: "vowel" },
    { x: 1, y: 0, label: "b", group: "consonant" },
    { x: 2, y: 2, label: "e", group: "vowel" },
  ];
  const figure = scatter(points, { title: "Embeddings", xLabel: "component 1" });
  it("writes each label, one key entry per group in order, no NaN", () => {
    const t = texts(figure.markup);
    for (const label of ["a", "b", "e", "vowel", "consonant", "Embeddings", "component 1"]) expect(t).toContain(label);
    expect(t.indexOf("vowel")).toBeLessThan(t.indexOf("consonant"));
    expect(figure.markup.match(/<circle /g)?.length).toBe(3);
    expect(figure.markup).not.toContain("NaN");
  });
  it("refuses non-finite points and groups missing from options.groups", () => {
    expect(() => scatter([{ x: NaN, y: 0 }])).toThrow("scatter: point 0 is (NaN, 0)");
    expect(() => scatter(points, { groups: ["vowel"] })).toThrow('scatter: group "consonant" is not in options.groups (vowel)');
    expect(() => scatter([])).toThrow("scatter: no points to draw");
  });
});

describe("textPanels", () => {
  it("keeps line breaks, wraps long lines and cuts long texts", () => {
    expect(panelLines("ab\n\ncdefg", 3, 10)).toEqual(["ab", "", "cde", "↪fg"]);
    expect(panelLines("abcdefgh", 3, 10)).toEqual(["abc", "↪de", "↪fg", "↪h"]);
    expect(panelLines("a\nb\nc\nd", 3, 2)).toEqual(["a", "b…"]);
  });
  it("draws one titled column per panel, spaces kept", () => {
    const figure = textPanels([{ title: "step 0", text: "xq&Z  k" }, { title: "step 500", text: "ROMEO:\nWhat, my lord?" }], { title: "Samples" });
    const t = texts(figure.markup);
    expect(t).toEqual(["Samples", "step 0", "xq&amp;Z  k", "step 500", "ROMEO:", "What, my lord?"]);
    expect(figure.markup).toContain('xml:space="preserve"');
    const wrapped = textPanels([{ title: "t", text: "abcdef" }], { columns: 4 }).markup;
    expect(wrapped).toContain('<text xml:space="preserve" y="28"><tspan fill-opacity="0.4">↪</tspan><tspan>ef</tspan></text>');
  });
  it("refuses no panels and panels without text", () => {
    expect(() => textPanels([])).toThrow("textPanels: expected at least one panel { title, text }");
    expect(() => textPanels([{ title: "x" } as never])).toThrow("textPanels: panel 0 must be { title: string, text: string }");
  });
});

describe("headGrid with hand-made maps", () => {
  it("takes any (T, T) matrices on one scale", () => {
    const g = new Generator(1);
    const m = softmaxRows(Matrix.generate(4, 4, () => g.nextDouble()));
    expect(cellCount(headGrid([[m]], { cellSize: 10 }).markup)).toBe(16);
  });
});
