"""Fixtures for the ocrengine tests."""

from tests.ocrengine.llm_support import chat  # noqa: F401 (the fixture, for every test here)
