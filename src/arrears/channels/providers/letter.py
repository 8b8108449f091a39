"""Letters rendered to PDF (fpdf2), the font embedded, one file per key for the print shop.

A letter is `<folder>/<key>.pdf`, written to a temporary name and renamed into place, so the
file exists exactly when the letter was accepted and `status` is a look at the folder. The font
is embedded (subset) so a print shop without Chinese fonts prints the same page: by default
WenQuanYi Micro Hei (Debian's `fonts-wqy-microhei`), or the TrueType file of `font`.

Settings: `folder` (required; relative to the configuration file), `font`, `sender_address`
(lines printed above the recipient, `\\n`-separated), `page` (`A4` default, or `Letter`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from arrears.channels.model import (
    Accepted,
    ConfigError,
    Message,
    PermanentError,
    Provider,
    Status,
    TransientError,
)

DEFAULT_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
PAGES = ("A4", "Letter")


def file_name(key: str) -> str:
    """The key as a file name: `/` and other separators written `_XX` (hex)."""
    return "".join(c if c.isalnum() or c in "-._" else f"_{ord(c):02X}" for c in key) + ".pdf"


class PdfLetterProvider(Provider):
    plugin = "pdf_letter"
    channels = ("letter",)

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        base = Path(str(settings.get("_base", ".")))
        if not settings.get("folder"):
            raise ConfigError("pdf_letter: `folder` is required")
        self.folder = base / str(settings["folder"])
        font = settings.get("font")
        candidates = [base / str(font)] if font else [Path(f) for f in DEFAULT_FONTS]
        found = next((f for f in candidates if f.exists()), None)
        if found is None:
            raise ConfigError(
                f"pdf_letter: no font at {', '.join(map(str, candidates))} "
                "(install fonts-wqy-microhei, or give `font`)"
            )
        self.font = found
        self.page = str(settings.get("page", "A4"))
        if self.page not in PAGES:
            raise ConfigError(f"pdf_letter: page {self.page!r} (one of {', '.join(PAGES)})")
        self.sender_address = str(settings.get("sender_address") or "")

    def path(self, key: str) -> Path:
        return self.folder / file_name(key)

    def render(self, message: Message, on: date | None = None) -> bytes:
        from fpdf import FPDF
        from fpdf.enums import WrapMode

        when = on or date.today()
        pdf = FPDF(format=self.page)
        pdf.set_title(message.subject or message.template or "letter")
        pdf.set_creator("arrears send")
        # The letter's date, not the moment it was rendered: the same letter, the same bytes.
        pdf.set_creation_date(datetime(when.year, when.month, when.day, tzinfo=UTC))
        pdf.add_font("letter", fname=str(self.font))
        pdf.set_auto_page_break(auto=True, margin=20)
        pdf.set_margins(22, 20, 22)
        pdf.add_page()
        pdf.set_font("letter", size=9)
        if self.sender_address:
            pdf.multi_cell(0, 4.5, self.sender_address, align="L")
            pdf.ln(6)
        pdf.set_font("letter", size=11)
        pdf.multi_cell(0, 5.5, f"{message.name}\n{message.to}", align="L")
        pdf.ln(4)
        pdf.set_font("letter", size=9)
        pdf.multi_cell(0, 5, f"{when.isoformat()}    {message.key}", align="R")
        pdf.ln(6)
        pdf.set_font("letter", size=11)
        # Chinese has no spaces between words: a line may break between any two characters.
        zh = message.language.lower().startswith("zh")
        wrap = WrapMode.CHAR if zh else WrapMode.WORD
        pdf.multi_cell(0, 6, message.body, align="L", wrapmode=wrap)
        return bytes(pdf.output())

    def send(self, message: Message) -> Accepted:
        if not message.to.strip():
            raise PermanentError("the contact point has no postal address")
        target = self.path(message.key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = self.render(message, message.extra.get("on"))
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise TransientError(f"letter {target}: {exc}") from None
        return Accepted(str(target))

    def status(self, key: str) -> Status:
        return Status.ACCEPTED if self.path(key).exists() else Status.NOT_FOUND
