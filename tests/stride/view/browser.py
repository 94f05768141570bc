"""What the view's browser tests read off the page: the canvas's pixels and the perspective
the page drew them with. The browser itself opens as the benchmarks open it
(benchmarks/chromium.py)."""

from __future__ import annotations

SKIP_REASON = "Chromium is not installed (CI installs Debian's chromium; apt-get install chromium)"


#: Two consecutive frames: the centre column's brightness and each frame's time stamp. Read
#: inside requestAnimationFrame callbacks queued after the page's own, so each sees the
#: frame the page has just drawn.
TWO_FRAMES_JS = """
async () => {
  const canvas = document.getElementById('belt');
  const ctx = canvas.getContext('2d');
  const x = Math.floor(canvas.width / 2);
  const read = () => new Promise((done) => requestAnimationFrame(() => {
    const px = ctx.getImageData(x, 0, 1, canvas.height).data;
    const column = [];
    for (let i = 0; i < px.length; i += 4) column.push(Math.min(px[i], px[i + 1], px[i + 2]));
    done({ column, ts: window.strideView.lastFrame.ts, recv: window.strideView.belt.recv });
  }));
  const a = await read();
  const b = await read();
  const g = window.strideView.geometry;
  return { a, b, g: { yHorizon: g.yHorizon, k: g.k, z0: g.z0, lineM: g.lineM, h: g.h } };
}
"""


def line_centres(column: list[int], g: dict[str, float], max_d: float = 1.8) -> list[float]:
    """Belt distances (m from the near edge) of the painted lines' centres in one column:
    runs of white pixels, their centre row turned back into a distance by inverting the
    perspective y = yHorizon + k / (d + z0)."""
    centres = []
    y = 0
    n = len(column)
    while y < n:
        if column[y] >= 128:
            top = y
            while y < n and column[y] >= 128:
                y += 1
            middle = (top + y) / 2.0  # rows top..y-1 cover [top, y)
            d = g["k"] / (middle - g["yHorizon"]) - g["z0"]
            if 0.05 < d < max_d and y < n - 1:
                centres.append(d)
        y += 1
    return centres
