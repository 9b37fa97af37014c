"""Fixed image features for the linear and fully-connected classifiers (CS231n's
features exercise): `HOG`, a module the models put in place of their flatten.

Built from the engine's ops, so it runs on any device and gradients flow through it to the
image (almost everywhere: the orientation bins are piecewise constant, and the magnitude's
derivative is undefined where a pixel's gradient is zero, as for `hypot`).
"""
import math

import autograd
import nn
import nn.functional as F

__all__ = ["HOG"]

LUMA = (0.299, 0.587, 0.114)            # ITU-R BT.601 weights: RGB -> grey


class HOG(nn.Module):
    """Histogram of oriented gradients (Dalal and Triggs, without block normalisation, as
    CS231n's ``hog_feature``): per cell of ``cell_size`` x ``cell_size`` pixels, the
    gradient magnitudes summed into ``bins`` orientation bins over [0, 180) degrees.

    For a grey image I (RGB is turned grey with BT.601 weights), with central differences
    gx[i, j] = I[i, j+1] - I[i, j-1] and gy[i, j] = I[i+1, j] - I[i-1, j] (0 on the border):

        h[b, cell] = sum over pixels p in cell with orientation bin b of |g(p)|,
        |g| = hypot(gx, gy),  bin = floor(bins * (atan2(gy, gx) mod pi) / pi).

    Input (N, C, H, W) with (C, H, W) == ``image_shape``; output (N, out_features): the
    ``bins * (H // cell_size) * (W // cell_size)`` histogram values (rows and columns past
    the last whole cell are left out), followed by the C*H*W pixels when ``keep_pixels``.
    """

    def __init__(self, image_shape, cell_size=4, bins=9, keep_pixels=False):
        super().__init__()
        C, H, W = (int(d) for d in image_shape)
        if C not in (1, 3):
            raise ValueError(f"HOG: images must have 1 (grey) or 3 (RGB) channels, got "
                             f"image_shape {tuple(image_shape)}")
        if not 1 <= cell_size <= min(H, W):
            raise ValueError(f"HOG: cell_size must be between 1 and the image's height and "
                             f"width ({H}x{W}), got {cell_size}")
        if bins < 1:
            raise ValueError(f"HOG: bins must be at least 1, got {bins}")
        self.image_shape, self.cell_size, self.bins = (C, H, W), int(cell_size), int(bins)
        self.keep_pixels = bool(keep_pixels)
        self.cells = (H // self.cell_size, W // self.cell_size)
        self.out_features = (self.bins * self.cells[0] * self.cells[1]
                             + (C * H * W if self.keep_pixels else 0))

    def extra_repr(self):
        return (f"image_shape={self.image_shape}, cell_size={self.cell_size}, bins={self.bins}, "
                f"keep_pixels={self.keep_pixels}")

    def forward(self, x):
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"HOG: expected images (N, {', '.join(map(str, self.image_shape))}), "
                             f"got shape {tuple(x.shape)}")
        grey = x[:, 0] if self.image_shape[0] == 1 else (
            x * autograd.tensor(LUMA, dtype=x.dtype, device=x.device).reshape(1, 3, 1, 1)).sum(1)
        gx = F.pad(grey[:, :, 2:] - grey[:, :, :-2], (1, 1))            # (N, H, W)
        gy = F.pad(grey[:, 2:, :] - grey[:, :-2, :], (0, 0, 1, 1))
        magnitude = autograd.hypot(gx, gy)
        votes = magnitude.unsqueeze(1) * self._bin_masks(gx, gy)        # (N, bins, H, W)
        rows, cols = (n * self.cell_size for n in self.cells)
        histograms = F.avg_pool2d(votes[:, :, :rows, :cols], self.cell_size) * self.cell_size ** 2
        features = histograms.flatten(1)
        return autograd.cat([features, x.flatten(1)], 1) if self.keep_pixels else features

    def _bin_masks(self, gx, gy):
        """One-hot (N, bins, H, W) of each pixel's orientation bin (a constant: no gradient)."""
        with autograd.no_grad():
            angle = autograd.atan2(gy, gx)                              # (-pi, pi]
            angle = autograd.where(angle < 0, angle + math.pi, angle)   # [0, pi]
            index = (angle * (self.bins / math.pi)).floor().long()
            index = autograd.where(index >= self.bins, index - self.bins, index)  # pi is 0
            return F.one_hot(index, self.bins).permute(0, 3, 1, 2).to(gx.dtype)
