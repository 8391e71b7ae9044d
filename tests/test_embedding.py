"""The embedding package as a library: the keys of stored vectors, and no process-wide side effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from semdigest.embedding.encoders import BACKENDS
from semdigest.records import ModelKey

from .conftest import ROOT, SEED_004

REVISION = "all-MiniLM-L6-v2+sha256:53aa51172d14"  # a revision may hold a "+" itself


def test_a_model_key_reads_back_as_written():
    assert ModelKey.parse(f"minilm@{REVISION}") == ModelKey("minilm", REVISION)
    assert str(ModelKey("minilm", REVISION)) == f"minilm@{REVISION}"
    for backend in BACKENDS:
        text = f"minilm@{REVISION}+{backend}"
        assert ModelKey.parse(text) == ModelKey("minilm", REVISION, backend), text
        assert str(ModelKey.parse(text)) == text
    assert ModelKey.parse("mpnet@v2+local").backend is None  # no backend's form: part of the revision


# In a new process, so that the first import of semdigest is the one observed, with a fresh user
# data folder, so that the OpenVINO conversion and NNCF's int8 quantisation run inside it (the run's cache
# folder keeps auto's measurement, made once per run). The runtimes semdigest
# drives are imported first: what they do at their own import (sentence-transformers' imports set
# KMP_* and TORCHINDUCTOR_CACHE_DIR) is theirs; everything after is semdigest's code.
_EMBED = """
import json, logging, os, sys
root = logging.getLogger()
state = lambda: (dict(os.environ), root.level, list(root.handlers), list(root.filters))
first = state()
import semdigest
from semdigest import Embedder, read
imported = state()
import sentence_transformers
before = state()
texts = [p.abstract for p in read(sys.argv[1]).papers[:8]]
shapes = [list(Embedder(device="cpu", backend=b).encode(texts).shape) for b in ("torch-fp32", "openvino-int8")]
after = state()
print(json.dumps({"shapes": shapes, "import": first == imported, "embed": before == after,
                  "environ": sorted(set(after[0].items()) ^ set(before[0].items())),
                  "root": [repr(s[1:]) for s in (before, after)]}))
"""


@pytest.mark.slow
def test_importing_and_embedding_leaves_the_root_logger_and_environment_alone(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path / "home")}
    ran = subprocess.run([sys.executable, "-c", _EMBED, str(SEED_004)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=540)
    assert ran.returncode == 0, ran.stderr[-2000:]
    result = json.loads(ran.stdout)
    assert result["shapes"] == [[8, 384], [8, 384]]
    assert result["import"] and result["embed"], result
    assert ran.stderr == ""  # no print, no weight-loading bar, no library's advice on a non-terminal
    assert list((tmp_path / "data").rglob("model-int8.xml"))  # the quantiser ran, and was observed
    assert not (tmp_path / "home" / "intel").exists()  # no telemetry client id from openvino or NNCF
