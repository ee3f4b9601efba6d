// Notebook 9, the transformer block: the key numbers it prints and its prose states, computed here with the lib.
import { describe, expect, it } from "vitest";
import { blockSteps, diagram, forwardSteps, gelu, GPT, gptConfig, layerNorm, linearForward, Matrix, maxAbsDifference, parameterMatrix } from "../../lib/index.js";
import { printed, prose, f4 } from "./shared.js";

describe("Notebook 9, the transformer block", { timeout: 600_000 }, () => {
  it("LayerNorm of 'Your', GELU's values, the fresh block's small change, the shapes at C = 128", () => {
    const out = printed("09-transformer-block.ipynb");
    const normed = layerNorm(diagram.x);
    expect(out).toContain(`layerNorm(X), row "Your"          = [${normed.row(0).map(f4).join(", ")}]`);
    expect(out).toContain("[-0.1967, -1.1144, 1.3111]");
    const g = gelu(Matrix.from([[-0.75, 1]])).row(0);
    expect(out).toContain(`GELU(-0.75) = ${f4(g[0])}`);
    expect(out).toContain(`GELU(    1) =  ${f4(g[1])}`);
    expect(f4(g[0])).toBe("-0.1700"); // GELU's lowest point, as the chart's prose says
    const model = GPT.create(gptConfig({ vocabSize: 6, blockSize: 6, nLayer: 1, nHead: 1, nEmbd: 3 }), { seed: 1337, dtype: "float64" });
    const steps = blockSteps(model, 0, diagram.x);
    const change = maxAbsDifference(steps.output, diagram.x).value;
    expect(out).toContain(`largest change from X: ${f4(change)}`);
    expect(change).toBeLessThan(0.01); // "changed in the third decimal at most"
    const hidden = linearForward(normed, { weight: parameterMatrix(model, "transformer.h.0.mlp.c_fc.weight"), bias: null });
    expect(out).toContain(`largest |value| entering GELU: ${f4(Math.max(...Array.from(hidden.data, Math.abs)))}`);
    expect(out).toContain("c_fc (4x wider)                    6x512");
    expect(out).toContain("Q|K|V = LN1(X) W_attn^T (fused)    6x384");
    const post = GPT.create(gptConfig({ vocabSize: 6, blockSize: 6, nLayer: 1, nHead: 1, nEmbd: 3, norm: "post" }), { seed: 1337, dtype: "float64" });
    const row = blockSteps(post, 0, diagram.x).output.row(0);
    expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12); // post-norm rows have mean 0
    // The Try it cell: grow multiplies W_Q and W_K; pre-norm moves the input by about 0.03, post-norm by about 2.9,
    // and post-norm's heads stay even at any grow (they read the tiny embeddings, not LN1's rows of size 1).
    const tryBlock = (norm: "pre" | "post", grow: number, nEmbd = 64) => {
      const m = GPT.create(gptConfig({ vocabSize: 6, blockSize: 6, nEmbd: nEmbd, nHead: 4, norm: norm }), { seed: 7 });
      const qkv = m.parameter("transformer.h.0.attn.c_attn.weight").data;
      for (let k = 0; k < 2 * nEmbd * nEmbd; k++) qkv[k] *= grow;
      return blockSteps(m, 0, forwardSteps(m, [0, 1, 2, 3, 4, 5]).embedding);
    };
    /** How far head 0's visible weights are from the even 1/(i + 1). */
    const unevenness = (block: ReturnType<typeof blockSteps>) =>
      Math.max(...block.weights[0].toArray().flatMap((w, i) => w.slice(0, i + 1).map((v) => Math.abs(v - 1 / (i + 1)))));
    const pre = tryBlock("pre", 5);
    expect(out).toContain(`largest change from the block's input: ${f4(maxAbsDifference(pre.output, pre.input).value)}`);
    expect(f4(maxAbsDifference(pre.output, pre.input).value)).toMatch(/^0\.03/);
    const postTry = tryBlock("post", 10);
    expect(maxAbsDifference(postTry.output, postTry.input).value.toFixed(1)).toBe("2.9");
    const fresh = tryBlock("pre", 1);
    expect(unevenness(postTry)).toBeLessThan(0.02);
    expect(unevenness(fresh)).toBeLessThan(0.02); // "within 0.02 at this width"
    const wideFresh = unevenness(tryBlock("pre", 1, 512));
    expect(wideFresh).toBeGreaterThan(0.05);
    expect(wideFresh).toBeLessThan(0.1); // "within about 0.1 at nEmbd 512"
    expect(Math.max(...pre.weights[0].data)).toBeGreaterThan(0.4); // grow 5 sharpens a pre-norm head
    expect(prose("09-transformer-block.ipynb")).toContain("jumps from about 0.03 to about 2.9");
  });

  it("says that the post-norm GPT keeps ln_f, which changes a fresh model's last LayerNorm output almost not at all", () => {
    const post = GPT.create(gptConfig({ vocabSize: 6, blockSize: 6, nLayer: 2, nHead: 1, nEmbd: 3, norm: "post" }), { seed: 1337, dtype: "float64" });
    expect(post.parameters.map((p) => p.name)).toContain("transformer.ln_f.weight");
    const steps = forwardSteps(post, [0, 1, 2, 3, 4, 5]);
    const change = maxAbsDifference(steps.final, steps.blocks[1].output).value;
    expect(change).toBeGreaterThan(0); // it runs: a second normalisation, with its epsilon
    expect(change).toBeLessThan(1e-4);
    expect(prose("09-transformer-block.ipynb")).toContain("the lib's post-norm GPT keeps the final `ln_f` too");
  });
});
