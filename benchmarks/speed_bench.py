"""Where a reader waits, as ratios measured side by side in one run on this CPU (named in the
output): `search` and `rank` as commands against `related` as a command on the same library, with
peak memory; a re-run of a known `day`; optionally the first `day` with empty user caches against
the same day into a new library with warm caches; and embedding speed of each backend (auto's candidates, and the ONNX ones beside) against
plain SentenceTransformer.encode fp32 (batch 32) on the same 160 seed abstracts, alternating,
each against the CPU's GEMM ceiling through its own runtime.
Commands alternate for --rounds rounds and each figure is the median round, so a burst of load
from elsewhere does not decide a ratio alone.

    python benchmarks/speed_bench.py --rounds 3 --backend torch-fp32
    python benchmarks/speed_bench.py --first-day          # adds two full `day` runs (minutes)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers import digest_slice  # noqa: E402

DAILY = ROOT.parent / "shared" / "digests" / "daily"
EXAMPLE = ROOT / "examples" / "digest-2602.md"
# Runs a command, then reports its peak memory and which heavy runtimes it imported.
_WRAP = ("import resource, sys; from semdigest.cli import main; status = main(sys.argv[1:]); "
         "print('peak_mb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "
         "'torch' in sys.modules, file=sys.stderr); sys.exit(status)")


def command(args, env) -> tuple[float, int, bool]:
    """Wall seconds, peak MB and whether torch was imported, of one semdigest command."""
    start = time.perf_counter()
    ran = subprocess.run([sys.executable, "-c", _WRAP, *map(str, args)], capture_output=True, text=True,
                         env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    if ran.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed: {ran.stderr[-800:]}")
    _, peak, torch = ran.stderr.strip().splitlines()[-1].split()
    return seconds, int(peak), torch == "True"


def cpu() -> str:
    info = Path("/proc/cpuinfo").read_text()
    name = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name"))
    flags = set(next(line for line in info.splitlines() if line.startswith("flags")).split())
    marks = sorted(f for f in flags if f.startswith(("amx", "avx512_bf16", "avx512_vnni", "avx_vnni")))
    return f"{name} ({os.cpu_count()} cores; {', '.join(marks) or 'no VNNI/AMX/BF16'}; load {os.getloadavg()[0]:.1f})"


def queries(folder: Path, env: dict, backend: str, rounds: int) -> None:
    library = folder / "library.sqlite"
    older = digest_slice(DAILY / "2026-06-08.md", folder / "2026-06-08.md", 60)
    day = digest_slice(DAILY / "2026-06-09.md", folder / "2026-06-09.md", 60)
    for digest in (older, day):
        subprocess.run([sys.executable, "-m", "semdigest", "ingest", digest, "--library", library, "--backend", backend],
                       check=True, env=env, cwd=ROOT, capture_output=True)
    from semdigest.readers import read

    liked = [p.arxiv_id for p in read(older).papers[:3]]
    subprocess.run([sys.executable, "-m", "semdigest", "interests", "add", "mine", *liked, "--library", library],
                   check=True, env=env, cwd=ROOT, capture_output=True)
    target = read(day).papers[0].arxiv_id
    runs = {"related": ["related", target, "-k", "10"],
            "search": ["search", "diffusion models for robot control", "-k", "10"],
            "rank": ["rank", "--date", "2026-06-09", "--interest", "mine", "-k", "10"]}
    times = {name: [] for name in runs}
    peaks, torch = {}, {}
    for _ in range(rounds):
        for name, args in runs.items():
            seconds, peak, imported = command([*args, "--library", library], env)
            times[name].append(seconds)
            peaks[name], torch[name] = max(peak, peaks.get(name, 0)), imported
    base = statistics.median(times["related"])
    print(f"commands on a {backend} library of 120 papers (2 days), median of {rounds} alternating rounds:")
    for name in runs:
        median = statistics.median(times[name])
        print(f"  {name:<8} {median:5.2f} s  x{median / base:.2f} related  peak {peaks[name]} MB"
              f"  torch imported: {torch[name]}")


def day_runs(folder: Path, env: dict, first_day: bool, rounds: int) -> None:
    library, out = folder / "day.sqlite", folder / "day-out"
    args = ["day", EXAMPLE, "--out", out, "--library", library, "--quiet"]
    first = command(args, env)[0]
    remembered, recomputed = [], []
    for _ in range(rounds):  # the known day's remembered fit, then with it forgotten: alternating
        remembered.append(command(args, env)[0])
        forget_known_days(library)
        recomputed.append(command(args, env)[0])
    again, fresh = statistics.median(remembered), statistics.median(recomputed)
    print(f"day {EXAMPLE.name}: into a new library {first:.1f} s (caches warm); re-run of the known day {again:.1f} s, "
          f"the same re-run with the day's fit forgotten {fresh:.1f} s (x{fresh / again:.1f}), "
          f"median of {rounds} alternating rounds")
    if first_day:  # alternating: a fresh empty home (no ONNX export, measurement, numba cache), then warm caches
        colds, warms = [], []
        for n in range(rounds):
            empty = folder / f"empty-home-{n}"
            cold_env = {**env, **{v: str(empty / v.lower()) for v in ("XDG_DATA_HOME", "XDG_CACHE_HOME")}}
            colds.append(command(["day", EXAMPLE, "--out", folder / f"cold-out-{n}", "--library",
                                  folder / f"cold-{n}.sqlite", "--quiet"], cold_env)[0])
            warms.append(command(["day", EXAMPLE, "--out", folder / f"warm-out-{n}", "--library",
                                  folder / f"warm-{n}.sqlite", "--quiet"], env)[0])
        cold, warm = statistics.median(colds), statistics.median(warms)
        print(f"first day with empty user caches {cold:.1f} s, same day into a new library with warm caches "
              f"{warm:.1f} s: x{cold / warm:.2f} (median of {rounds} alternating rounds)")


def forget_known_days(library: Path) -> None:
    """Drop the library's remembered day fits (report/known_days.py): the next `day` refits."""
    import sqlite3

    with sqlite3.connect(library) as conn:
        conn.execute("DELETE FROM meta WHERE key LIKE 'known-day:%'")
    conn.close()


def embedding(rounds: int) -> None:
    from sentence_transformers import SentenceTransformer

    from semdigest.embedding.calibration import CALIBRATION_TEXTS, packaged_text
    from semdigest.embedding.device import candidates
    from semdigest.embedding.encoders import load
    from semdigest.embedding.models import get_model

    spec = get_model()
    texts = packaged_text(CALIBRATION_TEXTS).splitlines()[:160]
    plain = SentenceTransformer(str(spec.weights_path()), device="cpu")
    plain.encode(texts[:4])  # warm up: first-call allocations are not speed
    encoders = {"plain ST fp32": lambda: plain.encode(texts, batch_size=32)}
    for backend in [*candidates("cpu")[1:], "onnx-fp32", "onnx-int8"]:  # auto's, then the ONNX ones beside
        encoder = load(spec, backend, "cpu")
        encoder.encode(texts[:4], 32, False)
        encoders[backend] = lambda encoder=encoder: encoder.encode(texts, 32, False)
    speeds = {name: [] for name in encoders}
    for _ in range(rounds):
        for name, run in encoders.items():
            start = time.perf_counter()
            run()
            speeds[name].append(len(texts) / (time.perf_counter() - start))
    base = statistics.median(speeds["plain ST fp32"])
    print(f"embedding 160 seed abstracts, median of {rounds} alternating rounds:")
    ceilings = {"onnx": gemm_ceiling(rounds), "openvino": openvino_gemm_ceiling(rounds)}
    for name, values in speeds.items():
        median = statistics.median(values)
        runtime, precision = name.split("-") if "-" in name else ("onnx", "fp32")  # plain ST beside ORT fp32
        limit = ceilings[runtime][precision]
        print(f"  {name:<14} {median:6.1f} papers/s  x{median / base:.2f}  {median / limit:.0%} of {runtime}'s "
              f"{precision} GEMM ceiling ({limit:.1f})")


# MiniLM-L6 on one 256-token abstract: 6 layers of Q, K, V, O (384x384), the FFN (384x1536 and
# back) and attention's two T x T x 384 products; 2 FLOP a multiply-add.
TOKENS, HIDDEN, FFN, LAYERS = 256, 384, 1536, 6
FLOP_PER_PAPER = 2 * LAYERS * (TOKENS * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN) + 2 * TOKENS * TOKENS * HIDDEN)


def gemm_ceiling(rounds: int) -> dict[str, float]:
    """Papers/s this CPU could reach if the whole model ran at the speed of its largest GEMM
    (256 x 384 @ 384 x 1536) through ONNX Runtime, in fp32 and in dynamic int8 (what onnx-int8 runs)."""
    import numpy as np
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = rng.standard_normal((HIDDEN, FFN)).astype(np.float32)
    graphs = {
        "fp32": [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "int8": [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
                 helper.make_node("MatMulInteger", ["xq", "wq", "xz", "wz"], ["y"])],
    }
    inits = {"fp32": [numpy_helper.from_array(weight, "w")],
             "int8": [numpy_helper.from_array((weight * 20).clip(-127, 127).astype(np.int8), "wq"),
                      numpy_helper.from_array(np.zeros(FFN, np.int8), "wz")]}
    x = rng.standard_normal((TOKENS, HIDDEN)).astype(np.float32)
    ceiling = {}
    for name, nodes in graphs.items():
        out = TensorProto.FLOAT if name == "fp32" else TensorProto.INT32
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [TOKENS, HIDDEN])],
                                  [helper.make_tensor_value_info("y", out, [TOKENS, FFN])], inits[name])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        best = best_seconds(lambda: session.run(None, {"x": x}), rounds, repeats=50)
        flops = 2 * TOKENS * HIDDEN * FFN / best
        ceiling[name] = flops / FLOP_PER_PAPER
        print(f"  GEMM {TOKENS}x{HIDDEN}@{HIDDEN}x{FFN} {name} through ONNX Runtime: {flops / 1e9:.1f} GFLOP/s"
              f" = {ceiling[name]:.1f} papers/s at {FLOP_PER_PAPER / 1e9:.1f} GFLOP a paper")
    return ceiling


def openvino_gemm_ceiling(rounds: int) -> dict[str, float]:
    """The FFN's GEMM through OpenVINO's CPU plugin at the size openvino-* run it (four abstracts a
    request: 1024 x 384 @ 384 x 1536): fp32, and int8 as openvino-int8 runs it (activations
    quantised on the way in, per-channel int8 weights: the plugin's u8 x i8 FullyConnected)."""
    import numpy as np

    from semdigest.embedding.encoders.openvino import _openvino

    ov = _openvino()
    from openvino import opset13 as ops

    rows = 4 * TOKENS
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((FFN, HIDDEN)).astype(np.float32)  # [out, in], as a Linear holds it
    x = rng.standard_normal((rows, HIDDEN)).astype(np.float32)
    ceiling = {}
    for name in ("fp32", "int8"):
        data = ops.parameter([rows, HIDDEN], ov.Type.f32)
        left, right = data, ops.constant(weight)
        if name == "int8":
            low, high = ops.constant(np.float32(-4)), ops.constant(np.float32(4))
            left = ops.fake_quantize(data, low, high, low, high, 256)
            bound = np.abs(weight).max(axis=1, keepdims=True)
            w_low, w_high = ops.constant(-bound), ops.constant(bound)
            right = ops.fake_quantize(right, w_low, w_high, w_low, w_high, 255)
        model = ov.Model([ops.matmul(left, right, False, True)], [data])
        compiled = ov.Core().compile_model(model, "CPU", {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"})
        request = compiled.create_infer_request()
        best = best_seconds(lambda: request.infer([x]), rounds, repeats=20)
        flops = 2 * rows * HIDDEN * FFN / best
        ceiling[name] = flops / FLOP_PER_PAPER
        print(f"  GEMM {rows}x{HIDDEN}@{HIDDEN}x{FFN} {name} through OpenVINO: {flops / 1e9:.1f} GFLOP/s"
              f" = {ceiling[name]:.1f} papers/s")
    return ceiling


def best_seconds(run, rounds: int, repeats: int) -> float:
    """Seconds of one ``run()``: the best of ``rounds`` means over ``repeats`` calls, after one to warm up."""
    run()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", default="auto", help="what makes the library's vectors (default auto)")
    parser.add_argument("--first-day", action="store_true", help="also a first day with empty user caches")
    parser.add_argument("--skip", action="append", default=[], choices=("queries", "day", "embedding"))
    args = parser.parse_args()
    print(cpu())
    with tempfile.TemporaryDirectory(prefix="semdigest-speed-") as folder:
        folder = Path(folder)
        env = {**os.environ}
        if "queries" not in args.skip:
            queries(folder, env, args.backend, args.rounds)
        if "day" not in args.skip:
            day_runs(folder, env, args.first_day, args.rounds)
    if "embedding" not in args.skip:
        embedding(args.rounds)


if __name__ == "__main__":
    main()
