// The GPT against PyTorch: test/fixtures/gpt/reference.json, written by scripts/gpt_reference.py (PyTorch 1.13,
// float64) for norm "pre" and "post", with and without biases: the seeded init, the logits, the loss, every
// gradient, and every parameter after one clipped AdamW step.
import { readReference, referenceTests } from "./helpers/pytorchReference.js";

referenceTests("GPT against PyTorch (scripts/gpt_reference.py)", readReference("reference.json"), (c) => `norm ${c.config.norm}, bias ${c.config.bias}`);
