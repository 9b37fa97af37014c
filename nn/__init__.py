"""dyngrad's neural-network layer, with PyTorch's names: `import nn; import nn.functional as F`.

Module and Parameter (module.py), layers (layers.py), the math they call (functional.py),
weight initialisation (init.py), optimizers and lr schedulers (optim/), datasets and
loaders (data/), checkpoints (serialization.py), the CS231n models (models.py) and the
training loop (train.py). `nn.manual_seed(seed)` seeds initialisation and dropout.
Training pictures live in `nn.plots` (imported on demand: it loads matplotlib).
"""
from . import data, functional, init, optim
from .init import manual_seed
from .layers import (AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, CrossEntropyLoss, Dropout, Flatten,
                     Identity, LeakyReLU, Linear, MaxPool2d, MSELoss, ReLU, Sequential, Sigmoid, Tanh)
from .module import Module, Parameter
from .serialization import load, save
from . import models, train  # isort: skip (they build on the names above)
