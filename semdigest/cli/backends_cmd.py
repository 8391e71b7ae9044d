"""`semdigest backends`: what `auto` measured on this machine and chose, and measuring again."""

from __future__ import annotations

import json
import sys

from ..embedding.calibration import MIN_MEAN_COSINE, MIN_TOP10_OVERLAP, measure, remembered
from ..embedding.device import pick_device
from ..embedding.models import get_model
from ._common import add_command, note


def register(commands) -> None:
    backends = add_command(
        commands, "backends", "The embedding backends measured on this machine, and the one `auto` uses.",
        "semdigest backends --measure", run_backends,
        f"A backend passes the quality gate with a mean cosine >= {MIN_MEAN_COSINE} and a top-10 neighbour "
        f"overlap >= {MIN_TOP10_OVERLAP} against torch-fp32 on the same texts; auto takes the fastest that passes. "
        "The measurement is made once, at the first embedding, and kept in the user cache folder.")
    backends.add_argument("--measure", action="store_true", help="measure again now (a few seconds)")
    backends.add_argument("--model", help="model name from models.yaml (default: its default)")
    backends.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    backends.add_argument("--json", action="store_true", help="print JSON")


def run_backends(args) -> int:
    spec, device = get_model(args.model), pick_device(args.device)
    calibration = None if args.measure else remembered(spec, device)
    if calibration is None:
        calibration = measure(spec, device, progress=sys.stderr.isatty())
    if args.json:
        print(json.dumps(calibration.as_dict(), indent=1))
        return 0
    print(f"{calibration.model} on {calibration.device}, {calibration.cpu}; measured {calibration.measured_at} "
          f"on {calibration.texts} abstracts")
    print(f"{'backend':<13} {'papers/s':>9} {'cosine':>8} {'top-10':>7}  gate")
    for m in sorted(calibration.backends, key=lambda m: -(m.papers_per_second or 0.0)):
        mark = "passed" if m.passed else "failed"
        chosen = "  <- auto" if m.backend == calibration.chosen else ""
        # the reference's packaged vectors are the gate's yardstick: not run, so no speed
        speed = f"{m.papers_per_second:>9.1f}" if m.papers_per_second is not None else f"{'reference':>9}"
        print(f"{m.backend:<13} {speed} {m.mean_cosine:>8.4f} {m.top10_overlap:>7.3f}  {mark}{chosen}")
    if not args.measure:
        note("semdigest backends --measure measures again (say, on a quieter machine)")
    return 0
