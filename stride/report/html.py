"""One self-contained HTML page: inline CSS, plots as base64 PNG data URIs, no network.

A small inline script checks, once the page has loaded, that every plot decoded to a
non-empty image and writes the result into ``<body data-plots-ok="N/M">`` (the browser test
reads it; a person sees a warning line if a plot failed).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
td, th { border-bottom: 1px solid #ddd; padding: 0.2rem 0.7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; display: block; margin: 0.5rem 0; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5rem 0.8rem; }
.muted { color: #666; font-size: 0.9rem; }
table.compact td { white-space: nowrap; font-size: 0.9rem; padding: 0.15rem 0.5rem; }
#plot-check { color: #b00; }
"""

_CHECK = """
function strideCheckPlots() {
  var imgs = Array.prototype.slice.call(document.querySelectorAll("img.plot"));
  var ok = imgs.filter(function (im) { return im.complete && im.naturalWidth > 0; });
  document.body.setAttribute("data-plots-ok", ok.length + "/" + imgs.length);
  document.getElementById("plot-check").textContent = ok.length === imgs.length ? "" :
    (imgs.length - ok.length) + " plot(s) could not be shown.";
}
if (document.readyState === "complete") { strideCheckPlots(); }
else { window.addEventListener("load", strideCheckPlots); }
"""


@dataclass
class Page:
    """An HTML report being assembled: sections of escaped text, tables and plots."""

    title: str
    parts: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def text(self, text: str, cls: str | None = None) -> None:
        attr = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{attr}>{html.escape(text)}</p>")

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        cls: str | None = None,
        omit_empty: bool = False,
    ) -> None:
        """With ``omit_empty``, a column empty in every row (nothing there applies: no target,
        no fitted curve) is left out rather than shown as a column of blanks."""
        if omit_empty:
            kept = [i for i in range(len(header)) if any(str(row[i]) for row in rows)]
            header, rows = [header[i] for i in kept], [[row[i] for i in kept] for row in rows]
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in rows
        )
        attr = f' class="{cls}"' if cls else ""
        self.parts.append(
            f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def plot(self, png: bytes, alt: str) -> None:
        data = base64.b64encode(png).decode("ascii")
        self.parts.append(
            f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        )

    def render(self) -> str:
        from stride import __version__

        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>"
            f"<body><h1>{html.escape(self.title)}</h1>{''.join(self.parts)}"
            f'<p id="plot-check"></p><p class="muted">Made by stride {__version__}. '
            "Self-contained: nothing is fetched from the network.</p>"
            f"<script>{_CHECK}</script></body></html>\n"
        )


def check_out(out: Path, *, force: bool = False, records: Sequence[Path] = ()) -> None:
    """Refuse an unusable --out before any work is done (and again when writing): the
    analysis's output check (:func:`stride.outputs.check_output`) for ``--out``."""
    from stride.outputs import check_output

    check_output(
        out, force=force, option="--out", records=records, file_name="a file name ending .html"
    )


def write_page(page: Page, out: Path, *, force: bool = False) -> Path:
    """Write the page atomically; an existing file is refused unless ``force``."""
    from devices.files import atomic_write

    check_out(out, force=force)
    return atomic_write(out, page.render())  # a full disk: one line, nothing left behind
