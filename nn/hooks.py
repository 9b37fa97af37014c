"""Module hooks, with PyTorch's call signatures (see `Module.register_*_hook`).

Full backward hooks need the gradients at the module's boundary, which the graph
does not keep. `BackwardHookCall` puts an identity node on each Tensor input and
output of one call (`autograd.ops.shape.Identity`, backward: g -> g) and hooks those
nodes: the output nodes see grad_output, the input nodes see grad_input, and the
user's hook runs once both are known, as `hook(module, grad_input, grad_output)`.
"""
from autograd import Tensor, is_grad_enabled
from autograd.ops.shape import identity


class BackwardHookCall:
    """The boundary of one module call that has full backward hooks."""

    def __init__(self, module, hooks):
        self.module, self.hooks = module, hooks
        self.grad_inputs, self.grad_outputs = [], []
        self.pending_inputs = 0
        self.called = False

    def wrap_inputs(self, args):
        """args with each Tensor that requires grad passed through a hooked identity node."""
        if not is_grad_enabled():
            return args
        wrapped = []
        for arg in args:
            if isinstance(arg, Tensor) and arg.requires_grad:
                arg = self._hooked(arg, self._input_gradient, len(self.grad_inputs))
                self.pending_inputs += 1
            self.grad_inputs.append(None)
            wrapped.append(arg)
        return tuple(wrapped)

    def wrap_outputs(self, out):
        if not is_grad_enabled():
            return out
        if isinstance(out, Tensor):
            return self._wrap_output(out)
        if isinstance(out, tuple):
            return tuple(self._wrap_output(o) if isinstance(o, Tensor) else o for o in out)
        return out

    def _wrap_output(self, out):
        self.grad_outputs.append(None)
        if not out.requires_grad:
            return out
        return self._hooked(out, self._output_gradient, len(self.grad_outputs) - 1)

    @staticmethod
    def _hooked(tensor, record, position):
        out = identity(tensor)
        out.register_hook(lambda grad: record(position, grad))
        return out

    def _output_gradient(self, position, grad):
        self.grad_outputs[position] = grad
        if self.pending_inputs == 0:  # no input needs a gradient: PyTorch calls the hook now
            self._call(None)

    def _input_gradient(self, position, grad):
        self.grad_inputs[position] = grad
        self.pending_inputs -= 1
        if self.pending_inputs:
            return None
        replacement = self._call(position)
        return None if replacement is None else replacement[position]

    def _call(self, last_position):
        """Run the user's hooks; the last of the input gradients may still be replaced."""
        result = None
        grad_input, grad_output = tuple(self.grad_inputs), tuple(self.grad_outputs)
        for hook in list(self.hooks.values()):
            returned = hook(self.module, grad_input, grad_output)
            if returned is None:
                continue
            returned = tuple(returned) if isinstance(returned, (tuple, list)) else (returned,)
            if len(returned) != len(grad_input):
                raise RuntimeError(f"backward hook of {type(self.module).__name__} returned "
                                   f"{len(returned)} gradients for {len(grad_input)} inputs")
            others_changed = any(r is not g for i, (r, g) in enumerate(zip(returned, grad_input))
                                 if i != last_position)
            if others_changed:
                raise RuntimeError(
                    f"backward hook of {type(self.module).__name__}: only the gradient of the input "
                    "whose gradient came last can be replaced in dyngrad (the others have already "
                    "been passed on); this matters only for modules with several Tensor inputs")
            grad_input = returned
            result = returned
        return result
