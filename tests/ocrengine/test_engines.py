"""The real OCR engines on small images drawn here, and the registry that picks them."""

from __future__ import annotations

from pathlib import Path

import pytest
import reportlab
from PIL import Image, ImageDraw, ImageFont

from ocrengine.engines.base import OcrEngine, OcrLine, OcrResult, ProcessModels
from ocrengine.engines.easyocr_engine import EasyOcrEngine
from ocrengine.engines.rapidocr_engine import RapidOcrEngine
from ocrengine.engines.registry import UnknownEngine, available_engines, get_engine

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
CJK_FONTS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
]
ENGLISH_LINES = ("Invoice No: INV-2024-0042", "Total due: 1,234.56 EUR")


def draw_text_image(lines: tuple[str, ...], font_path: Path, size: int = 32) -> Image.Image:
    font = ImageFont.truetype(str(font_path), size)
    image = Image.new("RGB", (40 + size * 20, 40 + len(lines) * size * 2), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((20, 20 + index * size * 2), line, fill="black", font=font)
    return image


def squeeze(text: str) -> str:
    return "".join(text.split()).lower()


@pytest.fixture(scope="session")
def rapidocr() -> RapidOcrEngine:
    engine = RapidOcrEngine()
    engine.warm_up()
    return engine


@pytest.fixture(scope="session")
def easyocr() -> EasyOcrEngine:
    engine = EasyOcrEngine(gpu=False)
    engine.warm_up()
    return engine


@pytest.fixture(scope="module")
def english_image() -> Image.Image:
    return draw_text_image(ENGLISH_LINES, VERA)


def assert_well_formed(result: OcrResult, image: Image.Image) -> None:
    assert result.width == image.width and result.height == image.height
    for line in result.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
        assert 0.0 <= line.confidence <= 1.0
        assert line.text == line.text.strip() and line.text


def test_rapidocr_reads_english_with_word_spaces(rapidocr, english_image):
    result = rapidocr.recognize(english_image)

    assert_well_formed(result, english_image)
    assert "INV-2024-0042" in result.text
    assert "1,234.56" in result.text
    # PP-OCRv4 drops Latin word spaces; the engine puts them back from the ink gaps.
    assert "Invoice No" in result.text
    assert "Total due" in result.text
    first, second = result.text.splitlines()[:2]
    assert "0042" in first and "1,234.56" in second  # lines come in reading order


def test_rapidocr_never_splits_digits_at_a_narrow_one(rapidocr):
    # Vera's "1" has wide side bearings; a space there turned 120.00 into "1 20.00".
    lines = (
        "Invoice No: INV-2026-0042", "Invoice Date: 2026-03-15", "Seller: Acme Supplies Ltd",
        "Buyer: Northwind Traders", "Net Amount: 100.00", "Tax Amount: 20.00", "Total: 120.00 EUR",
    )  # fmt: skip
    font = ImageFont.truetype(str(VERA), 26)
    image = Image.new("RGB", (1000, 760), "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((60, 150 + row * 70), line, font=font, fill="black")
    text = rapidocr.recognize(image).text
    assert "2026-03-15" in text
    assert "120.00" in text


def test_rapidocr_reads_chinese():
    font = next((path for path in CJK_FONTS if path.exists()), None)
    if font is None:
        pytest.skip("no CJK font: apt-get install fonts-wqy-zenhei")
    lines = ("发票号码：12345678", "价税合计（大写）壹佰元整")  # noqa: RUF001 - real invoice text
    image = draw_text_image(lines, font, size=36)

    result = RapidOcrEngine().recognize(image)

    assert_well_formed(result, image)
    assert "发票号码" in result.text
    assert "12345678" in result.text
    assert "价税合计" in result.text


def test_rapidocr_returns_nothing_for_a_blank_page(rapidocr):
    blank = Image.new("RGB", (600, 400), "white")

    result = rapidocr.recognize(blank)

    assert result.lines == [] and result.text == ""


@pytest.mark.slow
def test_easyocr_reads_english_offline(easyocr, english_image):
    assert easyocr.available()

    result = easyocr.recognize(english_image)

    assert_well_formed(result, english_image)
    assert "inv-2024-0042" in squeeze(result.text)
    assert "1,234.56" in squeeze(result.text)
    assert "Invoice No" in result.text


def test_engines_speak_the_protocol():
    for engine in (RapidOcrEngine(), EasyOcrEngine()):
        assert isinstance(engine, OcrEngine)
        assert engine.available()
    assert RapidOcrEngine().version.startswith("rapidocr-onnxruntime 1.4")
    assert "PP-OCRv4" in RapidOcrEngine().version
    assert EasyOcrEngine().version.startswith("easyocr 1.7")


def test_lines_are_grouped_into_rows_left_to_right():
    lines = [
        OcrLine("1,234.56", (300, 52, 380, 70), 0.9),
        OcrLine("Total", (10, 50, 60, 72), 0.9),
        OcrLine("Invoice", (10, 10, 80, 30), 0.9),
    ]

    result = OcrResult.from_lines(lines, width=400, height=100)

    assert [line.text for line in result.lines] == ["Invoice", "Total", "1,234.56"]
    header, total = result.text.splitlines()
    assert header == "Invoice"
    assert total.startswith("Total  ") and total.endswith("1,234.56")  # columns stay apart


def test_registry_picks_engines_by_name_and_setting(settings):
    assert get_engine("rapidocr").name == "rapidocr"
    assert get_engine("EasyOCR").name == "easyocr"
    settings.OCR_ENGINE = "easyocr"
    settings.OCR_GPU = False
    assert get_engine().name == "easyocr"
    assert get_engine().gpu is False
    del settings.OCR_ENGINE
    assert get_engine().name == "rapidocr"


def test_registry_refuses_unknown_engines():
    with pytest.raises(UnknownEngine, match="tesseract"):
        get_engine("tesseract")


def test_available_engines_lists_installed_ones():
    assert available_engines() == ["easyocr", "rapidocr"]


def test_process_models_build_once_per_key_and_again_after_fork():
    builds: list[str] = []
    models = ProcessModels()
    first = models.get("a", lambda: builds.append("a") or "model-a")
    assert models.get("a", lambda: builds.append("again") or "other") is first
    assert first[0] == "model-a" and builds == ["a"]
    models._forget()  # what a forked child runs: inherited runtimes are not reused
    assert models.get("a", lambda: builds.append("child") or "model-a2")[0] == "model-a2"
