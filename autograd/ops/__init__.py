"""The engine's ops, one module per family of backward rules.

elementwise  arithmetic, unary functions, relu/sigmoid/tanh, where; UnaryFormula
math         trig, hyperbolic, erf, exp/log variants, rounding, atan2, hypot, clamp, ...
activation   gelu, silu, softplus, elu/selu/celu, mish, hard*, prelu, ...
reduce       sum, mean, max, min
shape        reshape, transpose, indexing, pad, concatenate, stack, broadcast_to
linalg       matmul, linear
conv         conv2d
pool         max_pool2d, avg_pool2d
loss         softmax, log_softmax, cross_entropy, multiclass_hinge_loss
"""
