"""Every name of the nn.functional families and their layers is where a PyTorch user looks."""
import autograd
import nn
import nn.functional as F

FUNCTIONAL = ["conv1d", "conv2d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
              "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate", "nll_loss", "cross_entropy",
              "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "smooth_l1_loss",
              "huber_loss", "kl_div", "margin_ranking_loss", "multi_margin_loss", "cosine_similarity", "normalize",
              "one_hot", "dropout", "dropout1d", "dropout2d", "alpha_dropout", "layer_norm", "group_norm",
              "batch_norm", "instance_norm", "embedding"]
LAYERS = ["Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
          "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample", "LayerNorm", "GroupNorm", "InstanceNorm1d",
          "InstanceNorm2d", "BatchNorm1d", "BatchNorm2d", "Embedding", "Dropout1d", "Dropout2d", "AlphaDropout",
          "NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "SmoothL1Loss",
          "HuberLoss", "KLDivLoss", "MarginRankingLoss", "MultiMarginLoss", "CosineSimilarity"]
TOP_LEVEL = ["conv1d", "conv2d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
             "cosine_similarity", "batch_norm", "instance_norm", "layer_norm", "group_norm", "embedding"]


def test_functional_names_exist_and_are_exported():
    missing = [n for n in FUNCTIONAL if not callable(getattr(F, n, None))]
    assert not missing
    assert set(FUNCTIONAL) <= set(F.__all__) and all(hasattr(F, n) for n in F.__all__)


def test_layers_and_top_level_names_exist():
    assert not [n for n in LAYERS if not isinstance(getattr(nn, n, None), type)]
    assert not [n for n in TOP_LEVEL if not callable(getattr(autograd, n, None))]
