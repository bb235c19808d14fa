"""Test doubles shared by tests/ and bench/ (not part of the installed package):

- `tests.doubles.fake_llm.FakeGenerator`: a scripted TextGenerator for tests of orchestration;
- `tests.doubles.tiny_pipeline.save_tiny_pipeline`: a tiny, seeded random Stable Diffusion pipeline.

Import them from the repository root (pytest puts it on sys.path: see pyproject.toml; bench scripts insert it).
"""
