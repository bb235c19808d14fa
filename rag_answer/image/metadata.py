"""What is recorded next to an image (PNG text chunks and a JSON sidecar) and how model folders are hashed."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

from rag_answer.atomic import atomic_write_bytes
from rag_answer.hashing import file_sha256

# Files whose bytes are the weights of a diffusers folder; configs and tokenizers are not hashed.
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".ckpt", ".pt", ".pth")
PNG_KEY = "rag-answer"  # iTXt/tEXt keyword holding the JSON record
_CHUNK = 1 << 20


def weight_files(folder: Path) -> list[Path]:
    """Weight files anywhere under a diffusers folder, sorted by relative POSIX path."""
    found = [p for p in folder.rglob("*") if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def sha256_folder_weights(folder: Path) -> str:
    """SHA-256 over 'relative/path<TAB>sha256-of-file' lines of the folder's weight files."""
    lines = [f"{p.relative_to(folder).as_posix()}\t{file_sha256(p)}\n" for p in weight_files(folder)]
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def sidecar_path(image_path: Path) -> Path:
    """`OUT.png` -> `OUT.png.json` (never clashes with another file called OUT.json)."""
    return image_path.with_name(image_path.name + ".json")


def png_bytes(image: Any, record: dict[str, Any]) -> bytes:
    """The image as PNG with the prompt in 'Description', the tool in 'Software' and the JSON record under PNG_KEY."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Description", record["prompt"])
    info.add_text("Software", f"rag-answer {record.get('rag_answer_version', '')}".strip())
    info.add_text(PNG_KEY, json.dumps(record, sort_keys=True, ensure_ascii=True))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def read_png_record(path: Path) -> dict[str, Any]:
    """The JSON record stored in a PNG written by rag-answer (KeyError when there is none)."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        text = dict(getattr(image, "text", {}) or image.info)
    return json.loads(text[PNG_KEY])


def write_outputs(image: Any, record: dict[str, Any], output: Path, extra: dict[str, Any]) -> tuple[Path, Path]:
    """Write OUT.png (record in its text chunks) then OUT.png.json (record + extra, e.g. timing), both atomically.

    The PNG holds only the reproducible record, so the same inputs and seed give byte-identical PNGs on one machine.
    """
    data = png_bytes(image, record)
    atomic_write_bytes(output, data)
    sidecar = sidecar_path(output)
    payload = {**record, **extra, "image": output.name, "image_sha256": hashlib.sha256(data).hexdigest()}
    atomic_write_bytes(sidecar, (json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode())
    return output, sidecar
