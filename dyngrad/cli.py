"""The `dyngrad` console command: `dyngrad <command> [options]`.

Each command is a module with `main(argv, prog)`; add one to COMMANDS to add a command.
"""
import importlib
import sys

import autograd  # noqa: F401  before NumPy loads: its BLAS thread setting (autograd/__init__.py)

# name -> (module, one line for the usage)
COMMANDS = {
    "train": ("dyngrad.train", "train a CS231n classifier on Fashion-MNIST or CIFAR-10"),
    "evaluate": ("dyngrad.evaluate", "accuracy of a finished run's model, optionally with "
                                     "test-time flips"),
    "sweep": ("dyngrad.sweep", "search training flags with Optuna (needs dyngrad[sweep])"),
}


def usage():
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    return ("usage: dyngrad <command> [options]\n\ncommands:\n" + "\n".join(lines)
            + "\n\n`dyngrad <command> --help` shows a command's options and their defaults.")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    if argv[0] == "--version":
        from autograd import __version__
        print(f"dyngrad {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        print(f"dyngrad: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(argv[1:], prog=f"dyngrad {name}")
