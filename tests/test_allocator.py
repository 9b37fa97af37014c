"""autograd.allocator: applied on glibc when autograd is imported, and left alone when
the user tunes malloc through glibc's environment variables."""
import os
import platform
import subprocess
import sys

import pytest

CODE = "import autograd; print(autograd.allocator.applied)"


def imported_with(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", CODE], env={**clean, **env}, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_applied_on_import_on_glibc():
    assert imported_with() == "True"


@pytest.mark.parametrize("name", ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"])
def test_the_users_malloc_settings_win(name):
    assert imported_with(**{name: "131072"}) == "False"
