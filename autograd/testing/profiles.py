"""The hypothesis profiles dyngrad's own tests use, for your test suites too.

    # conftest.py
    from autograd.testing import load_profile
    load_profile()           # $HYPOTHESIS_PROFILE, else "dev"

  dev       30 examples per test: quick enough for a shared machine or CI
  thorough  300 examples per test: before a release, or after changing a backward rule

Neither has a deadline: on shared, noisy machines a slow example is not a failure.
"""
import os

from hypothesis import HealthCheck, settings

PROFILES = {"dev": 30, "thorough": 300}
DEFAULT_PROFILE = "dev"


def register_profiles():
    """Register `dev` and `thorough` with hypothesis (safe to call more than once)."""
    for name, examples in PROFILES.items():
        settings.register_profile(name, max_examples=examples, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])


def load_profile(name=None):
    """Register the profiles and load `name` (default: $HYPOTHESIS_PROFILE, else "dev").

    An unknown name is a ValueError listing the known ones, rather than a silent default.
    """
    register_profiles()
    if name is None:
        name = os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT_PROFILE
    if name not in PROFILES:
        source = " (from $HYPOTHESIS_PROFILE)" if name == os.environ.get("HYPOTHESIS_PROFILE") else ""
        raise ValueError(f"unknown hypothesis profile {name!r}{source}; dyngrad's profiles are "
                         f"{', '.join(PROFILES)}")
    settings.load_profile(name)
    return name
