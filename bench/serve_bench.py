"""`rag-answer serve` measured against one warm server on 127.0.0.1 (0.5B preset, the example prompt file loaded):

1. time to first token for new questions on the loaded prompt file (first `draft` event of POST /api/ask,
   streamed; the client leaves at that token, which also stops the generation);
2. answers per minute: whole answers to new questions, one after another;
3. end to end, side by side and interleaved: `ask --server` against in-process `ask` (warm home) and the
   LangChain chain (eval/langchain_baseline.py) on the same GGUF;
4. a load test bounded in time: 50 concurrent clients (askers half streaming, some leaving at their first token;
   clients sending bad JSON, oversized or unknown-model requests; cheap readers), then a grace period for
   what is in flight; every valid request must be answered (a 503 is retried after its Retry-After), every
   bad one must get a 4xx JSON error, and the server's RSS is sampled throughout.

    python bench/serve_bench.py [--load-seconds 60] [--clients 50] [--answers 3]
Writes bench/results/serve.json; render_markdown(results) gives the BENCHMARKS section.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "serve.json"
EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"
MODEL_ID = EXAMPLE.stem
PRESET = "qwen2.5-coder-0.5b"
NEW_QUESTIONS = [
    "Which dataset is used to compare dermatology models?",
    "How is image matting made robust in complex scenes?",
    "What does Hi4D capture about people interacting?",
    "Which model generates photorealistic portraits?",
    "What evaluation problems affect skin disease classifiers?",
    "How are alpha mattes predicted from semantic priors?",
    "What kind of scans does the 4D dataset contain?",
    "Which paper studies self-supervised features for matting?",
]
FAST = {"max_tokens": 48, "top_k": 1}  # the load test's answers: short, so many fit in the time


def log(message: str) -> None:
    print(f"[serve_bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(home: Path, threads: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_ANSWER_")}
    return {**env, "RAG_ANSWER_HOME": str(home), "RAG_ANSWER_MODEL": PRESET, "RAG_ANSWER_THREADS": str(threads),
            "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def first_token_seconds(url: str, question: str) -> dict[str, float]:
    started = time.perf_counter()
    with httpx.Client(timeout=httpx.Timeout(10, read=600)) as client, client.stream(
        "POST", url + "/api/ask", json={"index": MODEL_ID, "question": question},
        headers={"Accept": "text/event-stream"},
    ) as response:  # fmt: skip
        for line in response.iter_lines():
            if line == "event: draft":
                return {"ttft_s": time.perf_counter() - started}
    raise SystemExit(f"no token for {question!r}")


def whole_answer_seconds(url: str, question: str) -> float:
    started = time.perf_counter()
    response = httpx.post(url + "/api/ask", json={"index": MODEL_ID, "question": question}, timeout=900)
    response.raise_for_status()
    return time.perf_counter() - started


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-400:]}")
    return time.perf_counter() - started


class Tally:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.unexpected: list[str] = []

    def add(self, key: str, amount: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + amount


async def asker(url: str, number: int, deadline: float, tally: Tally, *, stream: bool, leave_early: bool) -> None:
    """Asks new questions until the deadline; a 503 is retried after Retry-After until answered."""
    rng = random.Random(number)  # noqa: S311 (a reproducible mix of questions)
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(10, read=900)) as client:
        while time.monotonic() < deadline:
            body = {"index": MODEL_ID, "question": rng.choice(NEW_QUESTIONS), "settings": FAST}
            tally.add("valid_asks_sent")
            while True:
                try:
                    if stream:
                        async with client.stream("POST", "/api/ask", json=body,
                                                 headers={"Accept": "text/event-stream"}) as response:  # fmt: skip
                            if response.status_code == 503:
                                retry = float(response.headers.get("retry-after", "2"))
                            elif response.status_code != 200:
                                tally.unexpected.append(f"stream ask: HTTP {response.status_code}")
                                break
                            else:
                                got_result = False
                                async for line in response.aiter_lines():
                                    if leave_early and line == "event: draft":
                                        tally.add("left_at_first_token")
                                        got_result = True
                                        break
                                    if line == "event: result":
                                        got_result = True
                                    if line == "event: error":
                                        tally.unexpected.append("stream ask: error event")
                                if got_result:
                                    tally.add("valid_asks_answered")
                                else:
                                    tally.unexpected.append("stream ask: ended without a result")
                                break
                    else:
                        response = await client.post("/api/ask", json=body)
                        if response.status_code == 200 and response.json()["answer"]:
                            tally.add("valid_asks_answered")
                            break
                        if response.status_code != 503:
                            tally.unexpected.append(f"json ask: HTTP {response.status_code}")
                            break
                        retry = float(response.headers.get("retry-after", "2"))
                except httpx.HTTPError as exc:
                    tally.unexpected.append(f"ask: {type(exc).__name__}")
                    break
                tally.add("busy_503_then_retried")
                await asyncio.sleep(retry)


BAD_BODIES = [
    (b"{not json", 400), (b"[1, 2, 3]", 400), (json.dumps({"index": "no-such-model", "question": "q"}).encode(), 404),
    (json.dumps({"index": MODEL_ID, "question": "x" * 5000}).encode(), 413),
    (json.dumps({"prompt_file": "x" * 1_200_000}).encode(), 413),
    (json.dumps({"index": MODEL_ID, "bogus": 1}).encode(), 422),
]  # fmt: skip


async def bad_client(url: str, number: int, deadline: float, tally: Tally) -> None:
    rng = random.Random(1000 + number)  # noqa: S311
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            body, status = rng.choice(BAD_BODIES)
            try:
                response = await client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
                ok = response.status_code == status and "message" in response.json()["error"]
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                tally.unexpected.append(f"bad request: {type(exc).__name__}")
                continue
            tally.add("bad_requests_sent")
            tally.add("bad_requests_4xx_json" if ok else "bad_requests_wrong_answer")
            await asyncio.sleep(0.2)


async def reader(url: str, number: int, deadline: float, tally: Tally) -> None:
    paths = [f"/api/search?q=skin+detail&index={MODEL_ID}", "/api/health", "/api/models", "/v1/models"]
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.monotonic() < deadline:
            tally.add("reads_sent")
            try:
                response = await client.get(paths[number % len(paths)])
                tally.add("reads_answered" if response.status_code == 200 else "reads_failed")
            except httpx.HTTPError as exc:
                tally.unexpected.append(f"read: {type(exc).__name__}")
            await asyncio.sleep(0.5)


async def load_test(url: str, pid: int, clients: int, seconds: float) -> dict[str, Any]:
    tally = Tally()
    deadline = time.monotonic() + seconds
    askers = clients // 5  # 10 of 50: half of them streaming, a quarter leaving at the first token
    bad = clients // 5
    readers = clients - askers - bad
    tasks = [asker(url, n, deadline, tally, stream=n % 2 == 0, leave_early=n % 4 == 0) for n in range(askers)]
    tasks += [bad_client(url, n, deadline, tally) for n in range(bad)]
    tasks += [reader(url, n, deadline, tally) for n in range(readers)]
    samples: list[tuple[float, float]] = []

    async def sample_rss() -> None:
        started = time.monotonic()
        while True:
            samples.append((round(time.monotonic() - started, 1), round(rss_mib(pid), 1)))
            await asyncio.sleep(2)

    sampler = asyncio.create_task(sample_rss())
    started = time.monotonic()
    await asyncio.gather(*tasks)
    wall = time.monotonic() - started
    await asyncio.sleep(2)
    sampler.cancel()
    rss = [value for _, value in samples]
    return {"clients": clients, "askers": askers, "streaming_askers": (askers + 1) // 2,
            "leaving_at_first_token": (askers + 3) // 4, "bad_clients": bad, "readers": readers,
            "traffic_s": seconds, "wall_s_with_grace": round(wall, 1), "counts": tally.counts,
            "unexpected": tally.unexpected[:20], "unexpected_total": len(tally.unexpected),
            "rss_mib": {"start": rss[0], "max": max(rss), "end": rss[-1]}, "rss_samples": samples}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--answers", type=int, default=3, help="whole answers for answers per minute")
    parser.add_argument("--reps", type=int, default=2, help="interleaved end-to-end repetitions")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from rag_answer.settings import load_settings

    models_dir = load_settings().models_dir
    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    home = work / "home"
    home.mkdir()
    (home / "models").symlink_to(models_dir, target_is_directory=True)
    env = bench_env(home, args.threads)
    url = f"http://127.0.0.1:{free_port()}"
    port = url.rsplit(":", 1)[1]
    command = [sys.executable, "-m", "rag_answer", "serve", "--port", port, "--prompt", str(EXAMPLE), "--quiet"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        results["server_start_s"] = round(time.perf_counter() - started, 1)
        log(f"server up in {results['server_start_s']} s; warm-up answer")
        whole_answer_seconds(url, "What data trains AI to capture skin finely?")

        ttft = [first_token_seconds(url, question)["ttft_s"] for question in NEW_QUESTIONS[:5]]
        results["ttft_s"] = {"median": round(median(ttft), 3), "all": [round(t, 3) for t in ttft]}
        log(f"time to first token: {results['ttft_s']}")

        answers = [whole_answer_seconds(url, question) for question in NEW_QUESTIONS[5 : 5 + args.answers]]
        results["answer_s"] = [round(a, 2) for a in answers]
        results["answers_per_minute"] = round(60 / (sum(answers) / len(answers)), 2)
        log(f"answers per minute: {results['answers_per_minute']}")

        ask = [sys.executable, "-m", "rag_answer", "ask", "--prompt", str(EXAMPLE), "--quiet"]
        chain = [sys.executable, "eval/langchain_baseline.py", "--prompt", str(EXAMPLE), "--model", PRESET,
                 "--threads", str(args.threads)]  # fmt: skip
        end_to_end: dict[str, list[float]] = {"ask_server": [], "ask_in_process": [], "langchain": []}
        timed(ask, env)  # the in-process path's warm home: index and prompt states on disk
        for rep in range(args.reps):
            end_to_end["ask_server"].append(timed([*ask, "--server", url], env))
            end_to_end["ask_in_process"].append(timed(ask, env))
            end_to_end["langchain"].append(timed(chain, env))
            shown = ", ".join(f"{name} {values[-1]:.1f} s" for name, values in end_to_end.items())
            log(f"end to end [{rep + 1}/{args.reps}]: {shown}")
        results["end_to_end_s"] = {name: [round(v, 2) for v in values] for name, values in end_to_end.items()}

        log(f"load test: {args.clients} clients for {args.load_seconds} s")
        results["load"] = asyncio.run(load_test(url, server.pid, args.clients, args.load_seconds))
        results["load"]["server_alive_after"] = httpx.get(url + "/api/health", timeout=10).json()["status"] == "ok"
        log(f"load: {results['load']['counts']}, unexpected {results['load']['unexpected_total']}, "
            f"RSS {results['load']['rss_mib']}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    results["meta"] = {"commit": commit.strip(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                       "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), {platform.system()}",
                       "preset": PRESET, "threads": args.threads,
                       "command": "python bench/serve_bench.py " + " ".join(sys.argv[1:])}  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(render_markdown(results))
    return 0


def render_markdown(results: dict) -> str:
    meta = results["meta"]
    e2e = {name: median(values) for name, values in results["end_to_end_s"].items()}
    load = results["load"]
    counts = load["counts"]
    sent, answered = counts.get("valid_asks_sent", 0), counts.get("valid_asks_answered", 0)
    lines = [
        "## A resident server (bench/serve_bench.py)",
        "",
        f"`{meta['command']}` on {meta['machine']}, commit {meta['commit']}, {meta['date']}; preset {meta['preset']}, "
        f"{meta['threads']} threads; one warm `rag-answer serve` on 127.0.0.1 with the example prompt file loaded.",
        "",
        "| figure | value | how |",
        "|---|---|---|",
        f"| server start (embedder, index, LLM) | {results['server_start_s']:.1f} s | until GET /api/health answers |",
        f"| time to first token, new question, loaded prompt file | {results['ttft_s']['median']:.2f} s (median of "
        f"{len(results['ttft_s']['all'])}) | first `draft` event of a streamed POST /api/ask |",
        f"| answers per minute (whole, audited answers) | {results['answers_per_minute']:.2f} | "
        f"{len(results['answer_s'])} new questions in a row: {', '.join(f'{s:.1f}' for s in results['answer_s'])} s |",
        f"| `ask --server` end to end | {e2e['ask_server']:.1f} s | median, interleaved with the next two |",
        f"| in-process `ask` end to end (warm home) | {e2e['ask_in_process']:.1f} s | |",
        f"| LangChain chain, same GGUF | {e2e['langchain']:.1f} s | eval/langchain_baseline.py |",
        f"| ratio `ask --server` / in-process `ask` | {e2e['ask_server'] / e2e['ask_in_process']:.2f} | same run |",
        f"| ratio `ask --server` / LangChain | {e2e['ask_server'] / e2e['langchain']:.2f} | same run |",
        "",
        f"Load test: {load['clients']} concurrent clients for {load['traffic_s']:.0f} s of traffic "
        f"({load['wall_s_with_grace']:.0f} s with the grace period for requests in flight): {load['askers']} askers "
        f"({load['streaming_askers']} streaming, {load['leaving_at_first_token']} leaving at their first token; "
        f"answers of at most 48 tokens from 1 entry), {load['bad_clients']} clients sending bad JSON, oversized or "
        f"unknown-model requests, {load['readers']} readers of search/health/models.",
        "",
        "| load figure | value |",
        "|---|---|",
        f"| valid questions asked / answered | {sent} / {answered} |",
        f"| of those, left at the first token (generation stopped) | {counts.get('left_at_first_token', 0)} |",
        f"| 503 busy answers, each retried after Retry-After | {counts.get('busy_503_then_retried', 0)} |",
        f"| bad requests / answered with the expected 4xx JSON | {counts.get('bad_requests_sent', 0)} / "
        f"{counts.get('bad_requests_4xx_json', 0)} |",
        f"| reads / answered | {counts.get('reads_sent', 0)} / {counts.get('reads_answered', 0)} |",
        f"| unexpected outcomes (5xx, transport errors, wrong status) | {load['unexpected_total']} |",
        f"| server RSS start / max / end | {load['rss_mib']['start']:.0f} / {load['rss_mib']['max']:.0f} / "
        f"{load['rss_mib']['end']:.0f} MiB |",
        f"| server healthy afterwards | {'yes' if load['server_alive_after'] else 'NO'} |",
    ]
    if results.get("notes"):
        lines += ["", f"Note: {results['notes']}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
