"""PyTorch on `npm run train`'s default recipe, on the same text, init and batches: the validation loss to compare with.

    /usr/bin/python3 scripts/pytorch_recipe.py ['{"steps": 1200, "learningRate": 3e-3, ...}']

Runs nanoGPT's loop (scripts/checkpoint_roundtrip.py's pytorch_train) in float32 with the CLI's defaults (nanoGPT's
CPU recipe: 4 layers, 4 heads, 128 wide, context 64, batch 12, lr 1e-3 to 1e-4, 2000 steps; a JSON argument
overrides the training settings, as train() names them, e.g. notebook 12's schedule) and prints its
validation losses, to set beside the lines `npm run train` prints for the same steps. Needs Debian's
python3-torch (and libopenblas0-pthread, or it takes about 20 times longer); CI never runs it.
"""
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkpoint_roundtrip import encode_split, pytorch_train  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# decaySteps is left out: it follows steps, as --lr_decay_iters follows --max_iters in `npm run train`
RECIPE = dict(steps=2000, batchSize=12, learningRate=1e-3, minLr=1e-4, warmupSteps=100, weightDecay=0.1,
              beta1=0.9, beta2=0.99, gradClip=1.0, evalInterval=250, evalBatches=20, seed=1337, evalSeed=1337)


def main():
    torch.set_num_threads(1)
    text = (ROOT / "data" / "tinyshakespeare.txt").read_text()
    chars = sorted(set(text))
    train_data, val_data = encode_split(text, chars)
    config = dict(vocabSize=len(chars), blockSize=64, nLayer=4, nHead=4, nEmbd=128, dropout=0.0, bias=False, norm="pre")
    start = time.time()
    settings = {**RECIPE, **(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})}
    settings.setdefault("decaySteps", settings["steps"])
    _, evaluations = pytorch_train(config, settings, train_data, val_data, torch.float32, log=print)
    print(f"PyTorch {torch.__version__}, float32, one thread: {time.time() - start:.0f} s")
    print(json.dumps(evaluations))


if __name__ == "__main__":
    main()
