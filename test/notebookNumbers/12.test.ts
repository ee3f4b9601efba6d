// Notebook 12, training on Shakespeare: the data, the model, the budget, TheLittleBaby's runs, computed here with the lib.
import { describe, expect, it } from "vitest";
import { GPT, gptConfig, readDataText } from "../../lib/index.js";
import { shakespeare } from "./shared.js";

const { text, dataset } = shakespeare();

describe("Notebook 12, training on Shakespeare", { timeout: 120_000 }, () => {
  it("has 1,115,393 characters, 65 distinct, 1,003,853 to train on and 111,540 to validate", () => {
    expect(text.length).toBe(1_115_393);
    expect(dataset.vocabSize).toBe(65);
    expect(dataset.train.length).toBe(1_003_853);
    expect(dataset.val.length).toBe(111_540);
    expect(Math.log(65).toFixed(2)).toBe("4.17");
  });

  it("trains 804,096 parameters on 921,600 tokens, about 2 minutes at 7,500 tokens/s, of a 5-minute budget of about 2,900 steps", () => {
    const model = GPT.create(gptConfig({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 }), { seed: 1337 });
    expect(model.parameters.reduce((n, p) => n + p.data.length, 0)).toBe(804_096);
    const tokensPerStep = 12 * 64;
    expect(1200 * tokensPerStep).toBe(921_600);
    expect((1200 * tokensPerStep) / 7500 / 60).toBeCloseTo(2, 0);
    expect(300 * 7500).toBe(2_250_000);
    expect(Math.round((300 * 7500) / tokensPerStep / 100) * 100).toBe(2900);
    expect(20 * tokensPerStep).toBe(15_360);
  });

  it("quotes TheLittleBaby's 3-month run: 1.958 after 11.6 hours", () => {
    const runs = JSON.parse(readDataText("thelittlebaby-runs.json")).runs;
    const threeMonths = runs.find((r: { age: string }) => r.age === "3mo");
    expect(threeMonths.avg_val_loss.toFixed(3)).toBe("1.958");
    expect((threeMonths.total_time_s / 3600).toFixed(1)).toBe("11.6");
    expect(threeMonths.n_ctx).toBe(8);
  });
});
