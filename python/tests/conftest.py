import os
import pathlib

import pytest


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    """The repository: the shipped corpus and codebook, and the command line built beside."""
    return pathlib.Path(os.environ.get("THEMATIC_ROOT", pathlib.Path(__file__).parents[2]))
