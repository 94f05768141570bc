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
    perspective y = yHorizon + k / (d + z0).

    The centre row is the run's centroid, each row (two either side included) weighted by
    its brightness above the darker of the two outermost rows: a far line spans a pixel or
    two, its anti-aliased edges say where it sits within them (the middle of the rows at
    or above the threshold was off by up to 3.5 mm at the line spacing's depths, biased,
    which made the belt-motion test fail now and then)."""
    centres = []
    y = 0
    n = len(column)
    while y < n:
        if column[y] >= 128:
            top = y
            while y < n and column[y] >= 128:
                y += 1
            lo, hi = max(top - 2, 0), min(y + 2, n)
            background = min(column[lo], column[hi - 1])
            weights = [max(column[r] - background, 0) for r in range(lo, hi)]
            if sum(weights) > 0:  # row r covers [r, r + 1)
                middle = sum((r + 0.5) * w for r, w in zip(range(lo, hi), weights, strict=True))
                middle /= sum(weights)
            else:  # a run at the column's edge: the middle of its rows
                middle = (top + y) / 2.0
            d = g["k"] / (middle - g["yHorizon"]) - g["z0"]
            if 0.05 < d < max_d and y < n - 1:
                centres.append(d)
        y += 1
    return centres
