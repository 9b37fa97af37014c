"""The engine's ops, one module per family of backward rules.

elementwise  arithmetic, unary functions, relu/sigmoid/tanh, where; UnaryFormula
trig         sin, cos, ..., the hyperbolic functions, atan2, hypot
special      erf, erfc, exp2, expm1, log2, log10, log1p, rsqrt, reciprocal, square
math         rounding, copysign, logaddexp, lerp, float_power, clamp (and imports trig, special)
activation   gelu, silu, softplus, elu/selu/celu, mish, hard*, prelu, ...
reduce       sum, mean, prod, max/min (values and indices), amax/amin, argmax, var/std, logsumexp, norm
scan         cumsum, cumprod, cummax, cummin, logcumsumexp
sort         sort, argsort, topk
shape        reshape, transpose, indexing, pad, concatenate, stack, broadcast_to, unsqueeze, expand
movement     flip, roll, repeat, repeat_interleave, chunk, split, unbind, unfold, torch-style pad
index        gather, scatter, scatter_add, index_select, masked_fill, tril/triu, diagonal, diag
linalg       matmul, linear, mm, bmm, dot, outer, einsum
conv         conv2d, conv1d (conv_transpose: conv_transpose2d)
pool         max_pool1d/2d, avg_pool1d/2d
device_kernels  the window gathers conv and pool use on a device (no per-offset loops)
resize       adaptive_avg_pool2d, adaptive_max_pool2d, interpolate
loss         softmax, log_softmax, cross_entropy, nll_loss, multiclass_hinge_loss, multi_margin_loss, one_hot
losses       mse, l1, smooth_l1, huber, binary cross-entropy (+ with logits), kl_div, margin_ranking
distance     cosine_similarity, normalize
norm         batch_norm, instance_norm, layer_norm, group_norm, embedding
"""
