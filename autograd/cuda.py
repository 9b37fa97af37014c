"""`autograd.cuda`, as torch.cuda: CUDA devices through CuPy (or the CPU stand-in device).

Random tensors on a CUDA device are drawn from the host generator and uploaded when they
are made (creation is not inside a training step), so `autograd.manual_seed(s)` makes a
device run reproducible; `manual_seed`/`manual_seed_all` here have no generator of their
own to seed and are accepted, as torch.cuda's are without CUDA.
"""
from . import backend


def is_available():
    """True when a CUDA device can be used (CuPy sees a GPU, or the stand-in is chosen)."""
    return backend.cuda_module() is not None


def device_count():
    return backend.device_count()


def synchronize(device=None):
    """Wait until the work queued on `device` (the current CUDA device by default) is done."""
    backend.synchronize(device)


def manual_seed(seed):
    """Accepted: CUDA tensors draw from the host generator (`autograd.manual_seed`)."""


def manual_seed_all(seed):
    """Accepted: CUDA tensors draw from the host generator (`autograd.manual_seed`)."""
