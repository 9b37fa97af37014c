"""Handles for registered hooks: `handle.remove()` unregisters, as torch's RemovableHandle."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Registers `hook` in the dict `hooks` (kept in registration order); `.remove()` takes it out.

    Also a context manager: the hook is removed at the end of the `with` block.
    """

    def __init__(self, hooks, hook):
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        self.hooks = hooks
        self.id = next(_ids)
        hooks[self.id] = hook

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
