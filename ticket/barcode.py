"""The boarding pass's barcode: the BCBP string as a PDF417 symbol (what airline
boarding passes print), drawn as SVG."""
import xml.etree.ElementTree as ET

import pdf417gen

SVG_CONTENT_TYPE = "image/svg+xml"
COLUMNS = 6  # a symbol about as wide as a printed boarding pass's
SECURITY_LEVEL = 2  # IATA asks for error correction level 2 at least


def pdf417_svg(text):
    codes = pdf417gen.encode(text, columns=COLUMNS, security_level=SECURITY_LEVEL)
    tree = pdf417gen.render_svg(codes, scale=2, ratio=3)
    return ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=True)
