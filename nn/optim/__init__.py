"""Optimizers and learning-rate schedulers, as torch.optim.

    optimizer.py     the Optimizer base: parameter groups, state, checks, state dicts
    sgd.py           SGD, ASGD
    adaptive.py      RMSprop, Adagrad, Adadelta, Rprop
    adam.py          Adam, AdamW, Adamax, NAdam, RAdam
    lbfgs.py         LBFGS (step(closure), optional strong-Wolfe line search)
    lr_scheduler.py  the schedulers (`nn.optim.lr_scheduler.X`, as torch.optim.lr_scheduler)
"""
from . import lr_scheduler
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop, Rprop
from .lbfgs import LBFGS
from .lr_scheduler import ExponentialLR, StepLR
from .optimizer import Optimizer
from .sgd import ASGD, SGD

__all__ = ["Optimizer", "SGD", "ASGD", "RMSprop", "Adagrad", "Adadelta", "Rprop", "Adam", "AdamW",
           "Adamax", "NAdam", "RAdam", "LBFGS", "lr_scheduler", "ExponentialLR", "StepLR"]
