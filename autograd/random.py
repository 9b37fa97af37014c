"""Random state: `manual_seed`, `Generator`, and one default generator per thread.

Every random draw of dyngrad (creation functions such as `rand`/`randn`/`randperm`,
`Tensor.normal_`, `nn.init`, dropout, the data loader's shuffling) comes from the
calling thread's default generator unless a `generator=` is given, so after
`manual_seed(seed)` the same program draws the same numbers.

Per thread, as grad mode: `manual_seed` gives the calling thread a generator of its own
(and makes it the default of threads that never seeded), so two threads that each seed
and train a model draw from separate streams and each get the result of a sequential run.
A program that seeds once, in one thread, behaves as with torch's single global generator.

`Generator` is a `numpy.random.Generator` (PCG64) with torch's methods added
(`manual_seed`, `seed`, `initial_seed`, `get_state`, `set_state`), so it can be passed
wherever a NumPy generator is expected, and a NumPy generator is accepted as `generator=`.
"""
import copy
import threading

import numpy as np

from .device import as_device
from .ops.validation import is_int

# torch.Generator() starts from this seed until seeded otherwise.
DEFAULT_SEED = 67280421310721


def _check_seed(seed, op):
    if not is_int(seed) or seed < 0:
        raise ValueError(f"{op}: seed must be a non-negative int, got {seed!r}")
    return int(seed)


class Generator(np.random.Generator):
    """A seeded stream of random numbers, as torch.Generator (device "cpu" only).

    `Generator()` starts from torch's fixed default seed; `Generator().manual_seed(s)` from s.
    """

    def __init__(self, device="cpu"):
        self._device = as_device(device, "Generator")
        self._initial_seed = DEFAULT_SEED
        super().__init__(np.random.PCG64(DEFAULT_SEED))

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed):
        """Reseed in place from `seed` (a non-negative int); returns self."""
        seed = _check_seed(seed, "manual_seed")
        self.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self):
        """Reseed from a fresh non-deterministic seed and return that seed."""
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._initial_seed

    def get_state(self):
        """A copy of the state (a dict, where torch gives a byte tensor) for `set_state`."""
        return copy.deepcopy(self.bit_generator.state)

    def set_state(self, state):
        """Continue from a state that `get_state` returned; returns self."""
        if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
            raise TypeError("set_state: expected a state returned by Generator.get_state()")
        self.bit_generator.state = state
        return self

    def __reduce__(self):                     # copy and pickle as a Generator, not a NumPy one
        return _rebuilt, (self._initial_seed, self.bit_generator.state)

    def __repr__(self):
        return f"<autograd.Generator initial_seed={self._initial_seed}>"


def _rebuilt(initial_seed, state):
    generator = Generator()
    generator._initial_seed = initial_seed
    generator.bit_generator.state = state
    return generator


def _fresh():
    return Generator().manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))


_shared = {"generator": _fresh()}   # the default of threads that never called manual_seed
_per_thread = threading.local()


def default_generator():
    """The Generator the calling thread draws from when no `generator=` is given."""
    return getattr(_per_thread, "generator", None) or _shared["generator"]


def manual_seed(seed):
    """Seed the calling thread's default generator (also the default of threads that never
    seeded) from `seed`, a non-negative int; returns that Generator."""
    generator = Generator().manual_seed(_check_seed(seed, "manual_seed"))
    _per_thread.generator = _shared["generator"] = generator
    return generator


def seed():
    """Seed the calling thread's default generator non-deterministically; returns the seed."""
    return manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0])).initial_seed()


def initial_seed():
    """The seed of the calling thread's default generator."""
    return default_generator().initial_seed()


def get_rng_state():
    """The state of the calling thread's default generator (see `Generator.get_state`)."""
    return default_generator().get_state()


def set_rng_state(state):
    """Continue the calling thread's default generator from `state` (from `get_rng_state`)."""
    default_generator().set_state(state)


def _seed_thread(seed):
    """Reseed only the calling thread's generator (fit's per-epoch reseeding: other threads'
    default stays what the user seeded)."""
    _per_thread.generator = Generator().manual_seed(seed)
    return _per_thread.generator


def resolve(generator, op):
    """The generator to draw from: `generator` (an autograd or NumPy generator) or the default."""
    if generator is None:
        return default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}: generator must be an autograd.Generator (or a numpy.random.Generator), "
                        f"got {type(generator).__name__}")
    return generator
