"""Named tuples that ops returning values and indices give back (as torch.return_types).

`values, indices = x.max(1)` unpacks, and `.values` / `.indices` name the parts.
"""
from collections import namedtuple

max = namedtuple("max", ["values", "indices"])
min = namedtuple("min", ["values", "indices"])
cummax = namedtuple("cummax", ["values", "indices"])
cummin = namedtuple("cummin", ["values", "indices"])
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
