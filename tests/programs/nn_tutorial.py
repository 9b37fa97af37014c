"""The shape of PyTorch's "What is torch.nn really?" tutorial: a user-defined Lambda module in
an nn.Sequential CNN, F.cross_entropy, SGD with momentum, a fit/loss_batch loop over
TensorDataset/DataLoader, and accuracy from argmax and ==. Run by tests/test_pytorch_programs.py
under torch and under dyngrad with only the imports changed."""
# ---- imports (the test swaps this block for dyngrad's) ----
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset
# ---- end of imports ----


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
weights = np.load(sys.argv[1])
model.load_state_dict({k: torch.tensor(weights[k]) for k in weights.files})

rng = np.random.default_rng(0)
x_train = torch.tensor(rng.random((96, 784)).astype(np.float32))
y_train = torch.tensor(rng.integers(0, 10, 96))
train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=32)
valid_dl = DataLoader(TensorDataset(x_train[:48], y_train[:48]), batch_size=64)
loss_func = F.cross_entropy
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


for epoch in range(2):
    model.train()
    for xb, yb in train_dl:
        print(f"{loss_batch(model, loss_func, xb, yb, opt)[0]:.5f}")
    model.eval()
    with torch.no_grad():
        losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
    print(f"{np.sum(np.multiply(losses, nums)) / np.sum(nums):.5f}")
    print(f"{accuracy(model(x_train), y_train).item():.4f}")
