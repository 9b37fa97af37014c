"""The CS231n classifiers (assignments 1 and 2) as short compositions of nn layers.

Every model is an ``nn.Module`` whose ``forward`` returns class scores (N, num_classes);
image input (N, C, H, W) is flattened by the models that need vectors. Gradients come
from the engine: there is no backward code here.

Shared by all models (from ``Classifier``):
  model.regularization()  0.5 * reg * sum(W**2) over the weights of every Linear and
                          Conv2d layer (biases and batch-norm parameters are not
                          regularised, as in CS231n)
  model.loss(scores, y)   data loss (softmax cross-entropy; multiclass hinge for
                          LinearSVM) + regularization()

The vector models (softmax, SVM, two-layer, fully-connected) take ``features=``: a module
that maps the images to (N, D) vectors in place of the flatten, with the width D as its
``out_features`` (e.g. ``nn.features.HOG``, CS231n's features exercise).

Weights start as ``weight_scale * randn`` (CS231n), biases at zero; ``weight_scale=None``
keeps the layers' own (PyTorch-style) initialisation instead. ``nn.manual_seed`` makes
the draw reproducible.
"""

import math
import numbers

import nn
import nn.functional as F

__all__ = ["Classifier", "SoftmaxClassifier", "LinearSVM", "TwoLayerNet", "FullyConnectedNet",
           "ThreeLayerConvNet", "BatchNormConvNet"]


class Classifier(nn.Module):
    """Base class: a ``layers`` Sequential, L2 regularisation and the model's own loss."""

    def __init__(self, layers, weight_scale, reg):
        super().__init__()
        self.layers = layers
        self.reg = float(reg)
        if weight_scale is not None:
            for weight in self.regularized_weights():
                nn.init.scaled_normal_(weight, weight_scale)
            for module in self.modules():
                if isinstance(module, (nn.Linear, nn.Conv2d)) and module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x):
        return self.layers(x)

    def regularized_weights(self):
        """The weights L2 regularisation applies to: those of every Linear and Conv2d."""
        return [module.weight for module in self.modules()
                if isinstance(module, (nn.Linear, nn.Conv2d))]

    def regularization(self):
        """0.5 * reg * sum of squared weights, as a scalar Tensor (0 when reg == 0)."""
        total = sum((weight * weight).sum() for weight in self.regularized_weights())
        return 0.5 * self.reg * total

    def data_loss(self, scores, y):
        return F.cross_entropy(scores, y)

    def loss(self, scores, y):
        """Mean data loss over the batch plus regularization()."""
        data_loss = self.data_loss(scores, y)
        return data_loss + self.regularization() if self.reg else data_loss


def _input_layer(input_dim, features):
    """The vector models' first layer and its width: ``features`` (its ``out_features``),
    or a flatten of ``input_dim``."""
    if features is None:
        return nn.Flatten(), _flat_dim(input_dim)
    if not isinstance(features, nn.Module) or not hasattr(features, "out_features"):
        raise TypeError(f"features must be an nn.Module with an out_features width (e.g. "
                        f"nn.features.HOG), got {type(features).__name__}")
    return features, int(features.out_features)


def _flat_dim(input_dim):
    """Number of features of one sample: an int, or the product of a (C, H, W) shape."""
    if isinstance(input_dim, numbers.Integral):
        return int(input_dim)
    return math.prod(int(d) for d in input_dim)


class SoftmaxClassifier(Classifier):
    """Linear scores ``x @ W.T + b`` trained with the softmax cross-entropy loss."""

    def __init__(self, input_dim=3 * 32 * 32, num_classes=10, weight_scale=1e-3, reg=0.0,
                 features=None):
        first, width = _input_layer(input_dim, features)
        layers = nn.Sequential(first, nn.Linear(width, num_classes))
        super().__init__(layers, weight_scale, reg)


class LinearSVM(SoftmaxClassifier):
    """The same linear scores, trained with the multiclass hinge (SVM) loss, margin 1."""

    def data_loss(self, scores, y):
        return F.multiclass_hinge_loss(scores, y)


class TwoLayerNet(Classifier):
    """affine - relu - affine."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3,
                 reg=0.0, features=None):
        first, width = _input_layer(input_dim, features)
        layers = nn.Sequential(
            first,
            nn.Linear(width, hidden_dim), nn.ReLU(),
            nn.Linear(hidden_dim, num_classes))
        super().__init__(layers, weight_scale, reg)


class FullyConnectedNet(Classifier):
    """{affine - [batchnorm] - relu - [dropout]} x len(hidden_dims) - affine.

    ``dropout`` is the probability of zeroing an activation (PyTorch's ``p``; CS231n's
    ``dropout_keep_ratio`` is ``1 - dropout``); 0 means no dropout layers.
    ``normalization`` is None or 'batchnorm'.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0,
                 normalization=None, reg=0.0, weight_scale=1e-2, features=None):
        if normalization not in (None, "batchnorm"):
            raise ValueError(f"FullyConnectedNet: normalization must be None or 'batchnorm', "
                             f"got {normalization!r}")
        dropout = F.check_dropout_probability(dropout, "FullyConnectedNet: dropout")
        first, fan_in = _input_layer(input_dim, features)
        blocks = [first]
        for width in hidden_dims:
            blocks.append(nn.Linear(fan_in, width))
            if normalization == "batchnorm":
                blocks.append(nn.BatchNorm1d(width))
            blocks.append(nn.ReLU())
            if dropout:
                blocks.append(nn.Dropout(dropout))
            fan_in = width
        blocks.append(nn.Linear(fan_in, num_classes))
        super().__init__(nn.Sequential(*blocks), weight_scale, reg)


class ThreeLayerConvNet(Classifier):
    """conv - relu - 2x2 max pool - affine - relu - affine.

    The convolution has stride 1 and padding ``(filter_size - 1) // 2``, so an odd
    ``filter_size`` preserves the height and width; the pool halves them.
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0):
        C, H, W = input_dim
        pad = (filter_size - 1) // 2
        H_conv, W_conv = H + 2 * pad - filter_size + 1, W + 2 * pad - filter_size + 1
        layers = nn.Sequential(
            nn.Conv2d(C, num_filters, kernel_size=filter_size, stride=1, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(num_filters * (H_conv // 2) * (W_conv // 2), hidden_dim), nn.ReLU(),
            nn.Linear(hidden_dim, num_classes))
        super().__init__(layers, weight_scale, reg)


class BatchNormConvNet(Classifier):
    """{[conv - batchnorm - relu] x convs_per_block - 2x2 max pool} x num_blocks - affine -
    relu - [dropout] - affine (with convs_per_block=2, a small VGG).

    Block i has ``num_filters * 2**i`` filters of ``filter_size`` (odd: the padding
    ``(filter_size - 1) // 2`` keeps height and width, each pool halves them). The
    convolutions have no bias (the batch norm's shift replaces it). ``weight_scale=None``
    (the default) keeps the layers' PyTorch initialisation, which suits the deeper stack.
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=3, num_blocks=2,
                 convs_per_block=1, hidden_dim=256, dropout=0.0, num_classes=10,
                 weight_scale=None, reg=0.0):
        if filter_size % 2 != 1:
            raise ValueError(f"BatchNormConvNet: filter_size must be odd (the padding keeps "
                             f"the size), got {filter_size}")
        dropout = F.check_dropout_probability(dropout, "BatchNormConvNet: dropout")
        C, H, W = input_dim
        blocks = []
        for i in range(num_blocks):
            width = num_filters * 2 ** i
            for _ in range(convs_per_block):
                blocks += [nn.Conv2d(C, width, filter_size, padding=(filter_size - 1) // 2,
                                     bias=False), nn.BatchNorm2d(width), nn.ReLU()]
                C = width
            blocks.append(nn.MaxPool2d(2))
            H, W = H // 2, W // 2
        blocks += [nn.Flatten(), nn.Linear(C * H * W, hidden_dim), nn.ReLU()]
        if dropout:
            blocks.append(nn.Dropout(dropout))
        blocks.append(nn.Linear(hidden_dim, num_classes))
        super().__init__(nn.Sequential(*blocks), weight_scale, reg)
