"""conv_transpose2d: the adjoint of conv2d with respect to its input, as a composition.

A transposed convolution spreads each input pixel, times the kernel, over a window of
the output: with x (N, C_in, H, W) and weight (C_in, C_out/G, kh, kw),

    cols = W^T @ x          per image and group: (C_out/G * kh * kw, C_in/G) @ (C_in/G, H*W)
    y    = col2im(cols)     onto an (N, C_out, Ho, Wo) image, Ho = (H - 1) sh - 2 ph + dh (kh - 1) + oph + 1

which is exactly dL/dx of conv2d (Col2im is the op conv2d's backward uses), plus bias.
Built from Transpose, Reshape, MatMul and Col2im, so its gradients are those ops' rules
(dL/dx is a conv2d of g, dL/dW a GEMM with im2col(g)) and differentiate again.
"""
from autograd.ops.conv import Col2im
from autograd.ops.validation import as_array, check_float, is_int, pair
from autograd.tensor import Tensor


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution of input (N, C_in, H, W) (or (C_in, H, W)).

    weight (C_in, C_out/groups, kh, kw), bias (C_out,); stride, padding, output_padding
    and dilation are ints or (h, w) pairs. Returns (N, C_out, Ho, Wo).
    """
    op = "conv_transpose2d"
    x, w = _tensor(input), _tensor(weight)
    if x.ndim == 3:                                               # unbatched, as PyTorch
        out = conv_transpose2d(x.reshape((1,) + x.shape), w, bias, stride, padding, output_padding, groups, dilation)
        return out.reshape(out.shape[1:])
    stride, padding = pair(op, "stride", stride, 1), pair(op, "padding", padding, 0)
    dilation, output_padding = pair(op, "dilation", dilation, 1), pair(op, "output_padding", output_padding, 0)
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C_in, H, W) or 3-D (C_in, H, W), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (in_channels, out_channels/groups, kh, kw), got shape {w.shape}")
    N, C, H, W = x.shape
    _, Fg, kh, kw = w.shape
    if not is_int(groups) or groups < 1 or C % groups:
        raise ValueError(f"{op}: groups must be a positive int dividing the {C} input channels, got {groups!r}")
    if w.shape[0] != C:
        raise ValueError(f"{op}: input has {C} channels but weight {w.shape} expects {w.shape[0]}")
    check_float(op, input=x.data, weight=w.data)
    for o, s, d in zip(output_padding, stride, dilation):
        if o >= max(s, d):
            raise ValueError(f"{op}: output_padding {output_padding} must be smaller than stride {stride} "
                             f"or dilation {dilation}")
    F = Fg * groups
    Ho, Wo = ((size - 1) * s - 2 * p + d * (k - 1) + o + 1
              for size, s, p, d, k, o in zip((H, W), stride, padding, dilation, (kh, kw), output_padding))
    if Ho <= 0 or Wo <= 0:
        raise ValueError(f"{op}: output size ({Ho}, {Wo}) is not positive for input {x.shape} and weight {w.shape}")
    if bias is not None and as_array(bias).shape != (F,):
        raise ValueError(f"{op}: bias must have shape ({F},) to match weight {w.shape}, got {as_array(bias).shape}")
    G, Cg = groups, C // groups
    x2 = x.reshape(N, G, Cg, H * W)                                          # (N, G, C_in/G, H*W)
    w2 = w.reshape(G, Cg, Fg * kh * kw).swapaxes(1, 2)                       # (G, C_out/G*kh*kw, C_in/G)
    cols = (w2 @ x2).reshape(N, F * kh * kw, H * W)                          # rows (f, p, q), as col2im reads
    y = Col2im.apply(cols, kernel_size=(kh, kw), stride=stride, padding=(padding[0],) * 2 + (padding[1],) * 2,
                     dilation=dilation, input_shape=(N, F, Ho, Wo))
    return y if bias is None else y + _tensor(bias).reshape(1, F, 1, 1)


def _tensor(value):
    return value if isinstance(value, Tensor) else Tensor(value)
