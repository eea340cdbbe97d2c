"""Pages scanned sideways or upside down are turned upright before their fields are read: the
real OCR engine on an invoice image the test draws and turns."""

import io

import pytest
from PIL import Image

from ocrengine.documents import read_document
from ocrengine.engines.base import OcrLine
from ocrengine.engines.registry import get_engine
from ocrengine.extraction import extract_invoice
from tests.ocrengine import invoice_makers


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_turned_scan_is_read_upright(angle):
    upright = Image.open(io.BytesIO(invoice_makers.invoice_png(invoice_makers.FRENCH_SCAN)))
    data = invoice_makers.invoice_png(invoice_makers.FRENCH_SCAN, angle=angle)
    document = read_document(data, engine=get_engine("rapidocr"))
    page = document.pages[0]
    assert (page.width, page.height) == upright.size  # boxes live on the upright page
    assert (page.turned + angle) % 360 == 0  # how far it was turned back, for the viewer
    fields = extract_invoice(document).as_flat_dict()
    assert fields["invoice_number"] == "F-2024/0117"
    assert fields["total_amount"] == "600.00"
    assert fields["buyer"] == "Boulangerie Martin SAS"


class RapidOcrWrapper:
    """The real RapidOCR engine, seen through a test's window (counting, reading crumbs)."""

    def __init__(self) -> None:
        self.engine = get_engine("rapidocr")
        self.name, self.version = self.engine.name, self.engine.version

    def available(self) -> bool:
        return True

    def recognize(self, image):
        return self.engine.recognize(image)


def test_an_upright_scan_is_read_once():
    calls = []

    class Counting(RapidOcrWrapper):
        def recognize(self, image):
            calls.append(image.size)
            return super().recognize(image)

    data = invoice_makers.invoice_png(invoice_makers.FRENCH_SCAN)
    read_document(data, engine=Counting())
    assert len(calls) == 1


def test_a_sideways_page_read_as_a_few_level_fragments_is_read_turned_too():
    # Some engines (EasyOCR) read a sideways page as a handful of short level fragments, no
    # box taller than wide: nothing says "sideways" but how little was read.
    class FragmentsWhenSideways(RapidOcrWrapper):
        def recognize(self, image):
            result = super().recognize(image)
            if image.height > image.width:  # this scan's sideways shape
                short = [line for line in result.lines if 3 <= len(line.text) <= 5][:4]
                result.lines[:] = [
                    OcrLine(line.text, (line.box[0], line.box[1], line.box[0] + 80, line.box[1] + 20),
                            0.9)
                    for line in short
                ]  # fmt: skip
            return result

    data = invoice_makers.invoice_png(invoice_makers.FRENCH_SCAN, angle=90)
    assert min(Image.open(io.BytesIO(data)).size) >= 800  # a whole page, not a snippet
    document = read_document(data, engine=FragmentsWhenSideways())
    assert document.pages[0].turned in (90, 270)
    assert extract_invoice(document).as_flat_dict()["invoice_number"] == "F-2024/0117"
