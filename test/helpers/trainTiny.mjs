// Trains a tiny GPT in a fresh process and prints every loss as the hex of its float64 bits, for the
// reproducibility test (test/gpt-train.test.ts). Uses the built lib (npm run build; npm test builds first).
import { readFileSync } from "node:fs";
import { DEFAULT_SEED, GPT, TextDataset, dataPath, gptConfig, train } from "../../lib/dist/index.js";

const [seed, dtype] = [Number(process.argv[2] ?? DEFAULT_SEED), process.argv[3] ?? "float32"];
const dataset = TextDataset.fromText(readFileSync(dataPath("tinyshakespeare.txt"), "utf8"));
const config = gptConfig({ vocabSize: dataset.vocabSize, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.1 });
const model = GPT.create(config, { seed, dtype });
const { history } = await train(model, dataset, { steps: 12, batchSize: 4, warmupSteps: 2, evalInterval: 6, evalBatches: 2, seed });
const bits = (x) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16);
};
console.log(JSON.stringify(history.map((p) => [p.step, p.trainLoss === undefined ? null : bits(p.trainLoss), p.valLoss === undefined ? null : bits(p.valLoss)])));
