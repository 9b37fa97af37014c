"""The engine's ops, one module per family of backward rules.

elementwise  arithmetic, unary functions, activations, where
reduce       sum, mean, prod, max/min (values and indices), amax/amin, argmax, var/std, logsumexp, norm
scan         cumsum, cumprod, cummax, cummin, logcumsumexp
sort         sort, argsort, topk
shape        reshape, transpose, indexing, pad, concatenate, stack, broadcast_to, unsqueeze, expand
movement     flip, roll, repeat, repeat_interleave, chunk, split, unbind, unfold, torch-style pad
index        gather, scatter, scatter_add, index_select, masked_fill, tril/triu, diagonal, diag
linalg       matmul, linear, mm, bmm, dot, outer, einsum
conv         conv2d
pool         max_pool2d, avg_pool2d
loss         softmax, log_softmax, cross_entropy, multiclass_hinge_loss
"""
