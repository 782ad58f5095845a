"""Test settings: hypothesis runs derandomized, so every run (and CI) checks the same examples.

Set HYPOTHESIS_PROFILE=explore to draw fresh random examples instead, for a longer hunt.
"""

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
