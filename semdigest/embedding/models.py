"""models.yaml -> ModelSpec, and resolving a model's weights to a local folder (never the network)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..data import read_text as packaged_text
from ..errors import ModelError
from ..records import Paper

PACKAGED_MODELS = "data/models.yaml"  # under semdigest/, read with importlib.resources
_TEXT_FIELDS = {"title", "abstract", "tldr", "motivation", "method", "result", "conclusion"}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    source: dict
    revision: str
    dimension: int
    max_seq_length: int = 256
    fields: tuple[str, ...] = ("title", "abstract")
    separator: str = ". "
    query_prefix: str = ""
    document_prefix: str = ""
    description: str = ""
    backend: str = "auto"

    def document_text(self, paper: Paper) -> str:
        """The exact text embedded for a paper; its hash keys the stored embedding."""
        parts = (getattr(paper, name) for name in self.fields)
        return self.document_prefix + self.separator.join(p for p in parts if p)

    def query_text(self, text: str) -> str:
        return self.query_prefix + text

    def weights_path(self) -> Path:
        """The local folder holding the weights, or a ModelError that says how to get them."""
        if "package" in self.source:
            return _package_path(self)
        if "path" in self.source:
            path = Path(self.source["path"]).expanduser()
            if not path.is_dir():
                raise ModelError(f"model {self.name!r}: weights folder {path} does not exist")
            return path
        if "huggingface" in self.source:
            return _hf_cache_path(self)
        raise ModelError(f"model {self.name!r}: source needs one of package, path, huggingface")


def _package_path(spec: ModelSpec) -> Path:
    package = spec.source["package"]
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        dist = package.replace("_", "-")
        raise ModelError(
            f"model {spec.name!r} needs the package {dist!r}: pip install {dist}"
        )
    path = Path(next(iter(found.submodule_search_locations))) / spec.source.get("path", "")
    if not path.is_dir():
        raise ModelError(f"model {spec.name!r}: {path} is missing from package {package!r}; reinstall it")
    return path


def _hf_cache_path(spec: ModelSpec) -> Path:
    from huggingface_hub import snapshot_download

    repo = spec.source["huggingface"]
    try:
        return Path(snapshot_download(repo, local_files_only=True))
    except Exception:  # the hub client raises several types for "not in the local cache"
        raise ModelError(
            f"model {spec.name!r}: {repo} is not in the local Hugging Face cache and semdigest "
            "never downloads; copy the weights there, or point `source: {path: ...}` at a folder"
        ) from None


def load_models(path: str | Path | None = None) -> tuple[dict[str, ModelSpec], str]:
    """All model specs in a models.yaml (by default the packaged one), and the name of its default."""
    try:
        if path:
            text = Path(path).read_text(encoding="utf-8")
        else:
            path, text = f"semdigest/{PACKAGED_MODELS}", packaged_text(PACKAGED_MODELS)
        data = yaml.safe_load(text)
    except OSError as error:
        raise ModelError(f"cannot read models file {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ModelError(f"models file {path} is not valid YAML: {error}") from None
    try:
        specs = {}
        for name, entry in data["models"].items():
            fields = tuple(entry.pop("fields", ("title", "abstract")))
            unknown = set(fields) - _TEXT_FIELDS
            if unknown:
                raise ModelError(f"model {name!r} in {path}: unknown fields {sorted(unknown)}")
            specs[name] = ModelSpec(name=name, fields=fields, **entry)
        return specs, data.get("default") or next(iter(specs))
    except (KeyError, TypeError, AttributeError, StopIteration) as error:
        raise ModelError(f"models file {path} lacks a `models:` mapping of names to specs ({error})") from None


def get_model(name: str | None = None, models_file: str | Path | None = None) -> ModelSpec:
    specs, default = load_models(models_file)
    name = name or default
    if name not in specs:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(sorted(specs))}")
    return specs[name]
