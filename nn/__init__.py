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
# issue9-nnf: convolutions, pooling, loss modules, normalisation, embedding, dropout variants
from .conv import Conv1d, ConvTranspose2d
from .dropout import AlphaDropout, Dropout1d, Dropout2d
from .loss import (BCELoss, BCEWithLogitsLoss, CosineSimilarity, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss,
                   MultiMarginLoss, NLLLoss, SmoothL1Loss)
from .normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, MaxPool1d, Upsample
from .sparse import Embedding
# ----- activation modules (issue9-math) -------------------------------------------------
from .activation import (CELU, ELU, GELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, LogSoftmax, Mish,
                         PReLU, ReLU6, SELU, SiLU, Softmax, Softmin, Softplus, Softsign, Tanhshrink)
from .serialization import load, save
# issue10-nn: containers, lazy layers, nn.utils
from . import utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .layers import Unflatten
from .lazy import LazyConv2d, LazyLinear
from . import models, train  # isort: skip (they build on the names above)
