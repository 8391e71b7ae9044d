"""The wheel ships every file of the package, and the package reads them when installed (issue 21:
calibration.txt and stopwords.txt were left out of the wheel, so an installed semdigest failed on
its first ingest; only the editable install of the tests and CI worked)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "semdigest"

# Run from the unpacked wheel: every packaged file read through the code that reads it.
_READ_EVERY_PACKAGED_FILE = """
import sys
import semdigest
from semdigest import terms
from semdigest.embedding import calibration, models
from semdigest.pages import html_page
assert semdigest.__file__.startswith(sys.argv[1]), semdigest.__file__
assert terms.stop_words() and models.load_models()[0]
assert calibration.packaged_text(calibration.CALIBRATION_TEXTS)
assert html_page("map.html", "t", {}) and html_page("trends.html", "t", {})
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel pip builds from a copy of the source (a stale build/ in the checkout cannot leak in)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(PACKAGE, source / "semdigest", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(tmp / "dist"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (path,) = (tmp / "dist").glob("semdigest-*.whl")
    return path


@pytest.fixture(scope="module")
def unpacked(wheel, tmp_path_factory):
    """The wheel's contents, as pip would put them in site-packages."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _from(site, *args):
    """``python ARGS`` with only the unpacked wheel (not the checkout) providing semdigest."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], cwd=site.parent, env=env, capture_output=True, text=True)


def test_wheel_holds_every_file_of_the_package(wheel):
    in_source = {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*")
                 if path.is_file() and "__pycache__" not in path.parts}
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    assert {"semdigest/data/models.yaml", "semdigest/data/calibration.txt", "semdigest/data/stopwords.txt",
            "semdigest/templates/map.html"} <= in_source
    assert sorted(in_source - in_wheel) == []


def test_installed_package_reads_every_packaged_file(unpacked):
    ran = _from(unpacked, "-c", _READ_EVERY_PACKAGED_FILE, str(unpacked))
    assert ran.returncode == 0, ran.stderr[-2000:]


def test_version_is_the_installed_distributions(wheel, unpacked):
    version = wheel.name.split("-")[1]
    ran = _from(unpacked, "-m", "semdigest", "--version")
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, f"semdigest {version}\n", "")
