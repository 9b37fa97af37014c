"""`autograd.cuda`, as torch.cuda on a machine without a GPU: nothing is available yet.

A later GPU backend (CuPy, chosen in `autograd/backend.py`) makes these true. Seeding is
accepted and ignored, as torch.cuda does when CUDA is not available, so
`torch.cuda.manual_seed_all(seed)` in a program runs unchanged.
"""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Ignored: there is no CUDA generator (as torch.cuda without CUDA)."""


def manual_seed_all(seed):
    """Ignored: there is no CUDA generator (as torch.cuda without CUDA)."""
