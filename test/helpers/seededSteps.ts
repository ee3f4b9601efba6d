// Seeded training steps as npm run bench times them: one fixed batch of random tokens; per step zeroGrad, forward
// with the loss, backward, clipGradNorm(1), AdamW. Returns each step's loss.
import { Generator } from "../../lib/core/random.js";
import type { GPT } from "../../lib/gpt/model.js";
import type { AdamW } from "../../lib/gpt/training/adamw.js";
import { clipGradNorm } from "../../lib/gpt/training/schedule.js";

export function seededSteps(model: GPT, optimizer: AdamW, B: number, T: number, seed: number, steps: number): { losses: number[]; x: number[]; y: number[] } {
  const g = new Generator(seed), V = model.config.vocabSize;
  const x = Array.from({ length: B * T }, () => Math.floor(g.nextDouble() * V));
  const y = Array.from({ length: B * T }, () => Math.floor(g.nextDouble() * V));
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    model.zeroGrad();
    losses.push(model.forward(x, B, T, { targets: y, training: true }).loss as number);
    model.backward();
    clipGradNorm(model.parameters, 1);
    optimizer.step();
  }
  return { losses, x, y };
}
