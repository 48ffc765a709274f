#!/usr/bin/env python3
"""Makes the small TorchScript teacher fixture used by the teacher-service tests.

Real users bring a teacher trained in Python as a TorchScript file; this script stands in for them so that
CI does not need a 700 MB PyTorch install: its output is committed next to it. Run it with Debian's
python3-torch from the repository root:

    python3 teacher-service/src/test/python/make_torchscript_teacher.py

It writes a traced 784-64-10 MLP that takes a [batch, 28, 28] float tensor and returns [batch, 10] logits,
and a JSON file of a few inputs with the logits Python computed, which the Java test compares against.
"""
import json
import pathlib

import torch

OUT = pathlib.Path("teacher-service/src/test/resources/torchscript")


class Teacher(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(784, 64)
        self.out = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = x.reshape(x.shape[0], 784)
        return self.out(torch.relu(self.hidden(x)))


def main():
    torch.manual_seed(20261123)
    model = Teacher().eval()
    example = torch.rand(4, 28, 28)
    traced = torch.jit.trace(model, example)
    OUT.mkdir(parents=True, exist_ok=True)
    traced.save(str(OUT / "teacher-mlp.pt"))

    inputs = torch.rand(3, 28, 28, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        logits = traced(inputs)
    (OUT / "teacher-mlp-expected.json").write_text(json.dumps({
        "shape": [28, 28],
        "inputs": [row.flatten().tolist() for row in inputs],
        "logits": logits.tolist(),
        "torch_version": torch.__version__,
    }))
    print(f"wrote {OUT}/teacher-mlp.pt and expected outputs (torch {torch.__version__})")


if __name__ == "__main__":
    main()
