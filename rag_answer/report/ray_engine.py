"""The Ray engine: Ray Data feeds the prompt files through an actor pool, and this process writes each report
as it comes back.

Each actor loads the embedder and the LLM once and asks Ray for as many CPUs as its llama.cpp threads; it reads
the prompt file by path (on a cluster the files must be on a filesystem every node sees) and sends back the
rendered, audited report, which the driver writes atomically, so OUTDIR need not be shared. The rendering code is
the local engine's (ReportRunner.render_one), so the same inputs, model and seed give the same bytes.

Ray is an optional extra (`pip install 'rag-answer[ray]'`), imported only here and only when this engine runs.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rag_answer
from rag_answer.errors import ConfigError, RagAnswerError
from rag_answer.report.batch import Outcome, Rendered, write_rendered
from rag_answer.report.run import Engine
from rag_answer.settings import Settings

LOCAL_OBJECT_STORE_BYTES = 100 * 1024 * 1024  # reports are small; Ray's default would take 30% of the memory


class RayRunError(RagAnswerError):
    """The Ray run itself failed (the cluster, not a prompt file)."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError(
            "--engine ray needs Ray, which is not installed", hint="pip install 'rag-answer[ray]'"
        ) from None
    return ray


class ReportWorker:
    """One actor of the pool: the embedder and LLM are loaded once, in the constructor."""

    def __init__(self, settings: dict[str, Any], formats: tuple[str, ...], check_claims: bool) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is fetched at run time, on any node
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from rag_answer.embedder import get_embedder
        from rag_answer.llm import load_generator
        from rag_answer.report.batch import ReportRunner

        loaded = Settings(**settings)
        generator = load_generator(loaded)
        embedder = get_embedder(loaded.embedder)
        # outdir is unused: render_one writes nothing (the image step, which would, is refused on this engine)
        self.runner = ReportRunner(loaded, embedder, generator, Path("."), formats, check_claims=check_claims)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        rows = []
        for path, name in zip(batch["path"], batch["name"], strict=True):
            rendered = self.runner.render_one(Path(str(path)), str(name))
            rows.append(json.dumps({"outcome": rendered.outcome.to_dict(), "texts": rendered.texts}))
        return {"rendered": rows}


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_OUR_ERROR = re.compile(r"rag_answer\.errors\.\w+: (.+)")


def _reason(exc: BaseException) -> str:
    """The one line that says why: our own error when a worker raised one (a model or embedder that will not
    load on a node), else the first line of Ray's."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, RagAnswerError) and not isinstance(item, RayRunError):
            return item.one_line()
        stack += [getattr(item, "cause", None), item.__cause__, item.__context__]
    text = _ANSI.sub("", str(exc)).strip()
    ours = _OUR_ERROR.findall(text)
    if ours:
        return ours[-1].strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _start(ray: Any, address: str | None, workers: int | None, threads: int) -> int:
    """Connect to ADDRESS, or start a private local instance; the number of actors to run."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # Ray would otherwise report usage over the network
    common: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
    if address:
        ray.init(address=address, **common)
        cpus = int(ray.cluster_resources().get("CPU", 0))
        return workers or max(1, cpus // threads)
    count = workers or max(1, (os.cpu_count() or 1) // threads)
    package_root = str(Path(rag_answer.__file__).resolve().parents[1])  # workers import this very code
    python_path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    ray.init(
        address="local",  # never attach to some other Ray instance on this machine
        num_cpus=max(os.cpu_count() or 1, count * threads),  # explicit: --workers N with --threads T fits
        object_store_memory=LOCAL_OBJECT_STORE_BYTES,
        runtime_env={"env_vars": {"PYTHONPATH": python_path}},
        **common,
    )
    return count


def ray_engine(
    settings: Settings,
    outdir: Path,
    formats: tuple[str, ...],
    *,
    check_claims: bool,
    address: str | None = None,
    workers: int | None = None,
) -> Engine:
    def run(items: list[tuple[Path, str]]) -> Iterator[Outcome]:
        ray = _import_ray()
        try:
            count = _start(ray, address, workers, settings.threads)
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False  # our own bar counts files
            logging.getLogger("ray.data").setLevel(logging.CRITICAL)  # its failures reach us as one exception
            dataset = ray.data.from_items(
                [{"path": str(path), "name": name} for path, name in items], override_num_blocks=len(items)
            ).map_batches(
                ReportWorker,
                fn_constructor_kwargs={
                    "settings": settings.model_dump(mode="json"),
                    "formats": formats,
                    "check_claims": check_claims,
                },
                batch_size=1,
                compute=ray.data.ActorPoolStrategy(size=min(count, len(items))),
                num_cpus=settings.threads,
            )
            # one block per file, no prefetch: iter_rows() would hand each report over only once the next is done
            for batch in dataset.iter_batches(batch_size=None, prefetch_batches=0):
                for line in batch["rendered"]:
                    data = json.loads(str(line))
                    yield write_rendered(Rendered(Outcome.from_dict(data["outcome"]), data["texts"]), outdir)
        except RagAnswerError:
            raise
        except Exception as exc:  # Ray's own failures (an actor that cannot start, a lost cluster): one line
            hint = "the reports written so far are kept; run the same command again to finish the rest"
            raise RayRunError(f"the Ray run failed: {_reason(exc)}", hint=hint) from None
        finally:
            ray.shutdown()  # a local instance stops with its workers; a cluster connection is closed

    return run
