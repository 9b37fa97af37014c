"""Lazy layers, as in PyTorch: LazyLinear and LazyConv2d read their input size from the
first input they get, then become a Linear / Conv2d (the real layer checks the arguments
and initialises the parameters as usual)."""
from .layers import Conv2d, Linear, _empty, _positive_int
from .module import Module

__all__ = ["LazyConv2d", "LazyLinear"]


class _LazyModule(Module):
    """A layer whose input size is read from its first input (PyTorch's Lazy* modules).

    Until then its parameters are empty placeholders, so an optimizer can already hold
    them; the first call builds the real layer (`cls_to_become`, which checks the
    arguments and initialises as usual), moves its arrays into the placeholders (the same
    Parameter objects) and turns this module into that layer, as PyTorch does.
    """

    cls_to_become = None

    def __init__(self, args, kwargs, names, dtype):
        super().__init__()
        self._lazy_args, self._lazy_kwargs = args, kwargs
        for name in names:
            setattr(self, name, _empty((0,), dtype))

    def has_uninitialized_params(self):
        return True

    def _in_size(self, input):
        raise NotImplementedError

    def forward(self, input):
        placeholders = dict(self._parameters)
        dtype = next(iter(placeholders.values())).dtype
        real = self.cls_to_become(self._in_size(input), *self._lazy_args, dtype=dtype, **self._lazy_kwargs)
        for name, param in real._parameters.items():
            if param is not None:
                placeholders[name].data = param.data
                placeholders[name]._version.value += 1
                real._parameters[name] = real.__dict__[name] = placeholders[name]
        keep = {key: self.__dict__[key] for key in
                ("training", "_forward_pre_hooks", "_forward_hooks", "_backward_hooks")}
        # in place, so Module.__call__ (which holds this dict) still finds the hooks
        self.__dict__.clear()
        self.__dict__.update(real.__dict__)
        self.__dict__.update(keep)
        self.__class__ = self.cls_to_become
        return self.forward(input)

    def extra_repr(self):
        return "<uninitialized>"


class LazyLinear(_LazyModule):
    """Linear whose in_features is the last size of the first input it gets."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, dtype=None):
        _positive_int("LazyLinear", "out_features", out_features)
        super().__init__((out_features,), dict(bias=bias), ("weight", "bias") if bias else ("weight",), dtype)

    def _in_size(self, input):
        return input.shape[-1]

    def extra_repr(self):     # PyTorch's, with in_features=0 until the first call
        return f"in_features=0, out_features={self._lazy_args[0]}, bias={'bias' in self._parameters}"


class LazyConv2d(_LazyModule):
    """Conv2d whose in_channels is the channel size (axis 1) of the first input it gets.

    Takes Conv2d's arguments after in_channels, and passes them on to Conv2d unchanged.
    """

    cls_to_become = Conv2d

    def __init__(self, out_channels, kernel_size, *args, bias=True, dtype=None, **kwargs):
        _positive_int("LazyConv2d", "out_channels", out_channels)
        super().__init__((out_channels, kernel_size) + args, dict(kwargs, bias=bias),
                         ("weight", "bias") if bias else ("weight",), dtype)

    def _in_size(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"LazyConv2d: expected a 4-D (N, C, H, W) input, got shape {input.shape}")
        return input.shape[-3]
