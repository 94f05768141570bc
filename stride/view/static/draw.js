"use strict";
/* Drawing the walker's view on the canvas: the belt in perspective with its painted lines,
   the target band and the footprints (treadmill mode), or the course seen from above
   (course mode). Everything is a function of the view's state and the belt distance. */
const StrideDraw = (() => {
  const COLORS = { in: "#009E73", short: "#E69F00", long: "#56B4E9", none: "#8c8c8c", flagged: "#8c8c8c" };
  const BAND = "#F0E442";
  const VISIBLE_M = 3.0;      // belt shown ahead of the walker's end
  const NEAR_Z = 1.2;         // eye to the near edge of the belt shown (perspective depth)
  const BELT_HALF_M = 0.26;   // half the belt's width
  const LINE_M = 0.025;       // width of a painted line (tape) along the belt
  const FOOT_M = [0.26, 0.10];  // footprint length, width
  const FOOT_SIDE_M = 0.11;   // footprint centre from the belt's middle
  const FADE_S = [3, 6];      // footprints fade out between these ages
  const HOME_M = 1.3, NEAR_LIMIT_M = 0.45, FAR_LIMIT_M = 2.6;

  /** Perspective of the belt plane onto a canvas w x h: y(d) = yH + k / (d + z0). */
  function geometry(w, h) {
    const yNear = h * 0.985, yFar = h * 0.25;
    const k = (yNear - yFar) / (1 / NEAR_Z - 1 / (VISIBLE_M + NEAR_Z));
    const yHorizon = yNear - k / NEAR_Z;
    const kx = (Math.min(w * 0.3, h * 0.55) * NEAR_Z) / BELT_HALF_M;
    return {
      w, h, k, kx, z0: NEAR_Z, yHorizon, visibleM: VISIBLE_M, lineM: LINE_M, halfM: BELT_HALF_M,
      y: (d) => yHorizon + k / (d + NEAR_Z),
      x: (d, lateral) => w / 2 + (kx * lateral) / (d + NEAR_Z),
    };
  }

  function quad(ctx, g, d0, d1, l0, l1) {
    ctx.beginPath();
    ctx.moveTo(g.x(d0, l0), g.y(d0));
    ctx.lineTo(g.x(d0, l1), g.y(d0));
    ctx.lineTo(g.x(d1, l1), g.y(d1));
    ctx.lineTo(g.x(d1, l0), g.y(d1));
    ctx.closePath();
  }

  function clampD(d) { return Math.min(Math.max(d, 0), VISIBLE_M); }

  /** Treadmill mode: belt, lines at spacing moved by the belt distance s, band, footprints. */
  function treadmill(ctx, g, view, s, nowMs) {
    const half = BELT_HALF_M;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, g.w, g.h);
    ctx.fillStyle = "#2b2b2b";
    quad(ctx, g, 0, VISIBLE_M, -half, half);
    ctx.fill();
    ctx.fillStyle = "#6b6b6b";  // side rails
    quad(ctx, g, 0, VISIBLE_M, -half - 0.05, -half); ctx.fill();
    quad(ctx, g, 0, VISIBLE_M, half, half + 0.05); ctx.fill();
    band(ctx, g, view, s);
    const spacing = view.spacing();
    ctx.fillStyle = "#ffffff";
    const first = Math.floor(s / spacing);
    for (let i = first; (i * spacing) - s < VISIBLE_M; i++) {
      const d0 = i * spacing - s;
      if (d0 + LINE_M <= 0) continue;
      quad(ctx, g, clampD(d0), clampD(d0 + LINE_M), -half, half);
      ctx.fill();
    }
    for (const foot of view.footprints) footprint(ctx, g, foot, s, nowMs);
  }

  /** Where the next step should land: the target step length ahead of the newest footprint. */
  function band(ctx, g, view, s) {
    const goal = view.goal();
    if (!goal) return;
    const last = view.footprints[view.footprints.length - 1];
    const anchor = last ? last.p - s : HOME_M - goal;
    const tol = Math.max(view.target.tolerance_m || 0, 0.005);
    const d0 = clampD(anchor + goal - tol), d1 = clampD(anchor + goal + tol);
    if (d1 <= d0) return;
    ctx.fillStyle = "rgba(240, 228, 66, 0.30)";
    quad(ctx, g, d0, d1, -BELT_HALF_M, BELT_HALF_M);
    ctx.fill();
    ctx.strokeStyle = BAND;
    ctx.lineWidth = 4;
    ctx.setLineDash([14, 10]);
    for (const d of [d0, d1]) {
      ctx.beginPath();
      ctx.moveTo(g.x(d, -BELT_HALF_M - 0.05), g.y(d));
      ctx.lineTo(g.x(d, BELT_HALF_M + 0.05), g.y(d));
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.fillStyle = BAND;
    ctx.font = `700 ${Math.round(g.h * 0.035)}px sans-serif`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText("TARGET", g.x((d0 + d1) / 2, -BELT_HALF_M - 0.08), g.y((d0 + d1) / 2));
  }

  function footprint(ctx, g, foot, s, nowMs) {
    const age = (nowMs - foot.born) / 1000;
    const alpha = age < FADE_S[0] ? 1 : Math.max(0, 1 - (age - FADE_S[0]) / (FADE_S[1] - FADE_S[0]));
    const dc = foot.p - s + FOOT_M[0] / 2;  // heel at the contact point
    if (alpha <= 0 || dc - FOOT_M[0] / 2 > VISIBLE_M || dc + FOOT_M[0] / 2 < 0) return;
    const lat = foot.side === "L" ? -FOOT_SIDE_M : FOOT_SIDE_M;
    ctx.globalAlpha = alpha;
    ctx.beginPath();
    for (let i = 0; i <= 24; i++) {
      const a = (i / 24) * 2 * Math.PI;
      const toe = Math.cos(a) > 0 ? 1.0 : 0.8;  // wider at the forefoot
      const d = clampD(dc + (Math.cos(a) * FOOT_M[0]) / 2);
      const l = lat + (Math.sin(a) * FOOT_M[1] * toe) / 2;
      if (i === 0) ctx.moveTo(g.x(d, l), g.y(d)); else ctx.lineTo(g.x(d, l), g.y(d));
    }
    ctx.closePath();
    ctx.fillStyle = COLORS[foot.verdict] || COLORS.none;
    ctx.fill();
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    const cx = g.x(dc, lat), cy = g.y(dc);
    const r = Math.min((g.kx * FOOT_M[1]) / (dc + NEAR_Z) * 0.2, (g.y(dc - 0.08) - g.y(dc + 0.08)) / 2);
    symbol(ctx, foot.verdict, cx, cy, Math.max(5, r), "#000");
    ctx.globalAlpha = 1;
  }

  /** The verdict's shape: circle (on target), triangle down (short), up (long). */
  function symbol(ctx, verdict, x, y, r, color) {
    ctx.fillStyle = color;
    ctx.beginPath();
    if (verdict === "in") ctx.arc(x, y, r, 0, 2 * Math.PI);
    else if (verdict === "short") { ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y - r); ctx.lineTo(x, y + r); }
    else if (verdict === "long") { ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y + r); ctx.lineTo(x, y - r); }
    else { ctx.rect(x - r, y - r / 4, 2 * r, r / 2); }
    ctx.closePath();
    ctx.fill();
  }

  /** Course mode: the pass seen from above, lines across it, this pass's footprints. */
  function course(ctx, g, view) {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, g.w, g.h);
    const length = view.target.pass_length_m || 10;
    const x0 = g.w * 0.18, x1 = g.w * 0.82, yMid = g.h * 0.47, halfH = g.h * 0.07;
    const px = (m) => x0 + ((x1 - x0) * m) / length;
    ctx.fillStyle = "#2b2b2b";
    ctx.fillRect(x0, yMid - halfH, x1 - x0, 2 * halfH);
    ctx.fillStyle = "#ffffff";
    const spacing = view.spacing();
    for (let m = 0; m <= length + 1e-9; m += spacing) ctx.fillRect(px(m) - 2, yMid - halfH, 4, 2 * halfH);
    let at = 0;
    for (const step of view.passSteps) {
      if (step.step_length_m == null) continue;
      at += step.step_length_m;
      if (at > length * 1.2) break;
      const y = yMid + (step.side === "L" ? -halfH / 2 : halfH / 2);
      ctx.fillStyle = COLORS[step.verdict] || COLORS.none;
      ctx.beginPath();
      ctx.ellipse(px(at), y, g.w * 0.012, halfH * 0.32, 0, 0, 2 * Math.PI);
      ctx.fill();
      symbol(ctx, step.verdict, px(at), y, halfH * 0.14, "#000");
    }
    ctx.fillStyle = "#b8b8b8";
    ctx.font = `${Math.round(g.h * 0.03)}px sans-serif`;
    ctx.textAlign = "left";
    ctx.fillText(`start`, x0, yMid + halfH + g.h * 0.04);
    ctx.textAlign = "right";
    ctx.fillText(`${length.toFixed(1)} m`, x1, yMid + halfH + g.h * 0.04);
  }

  /** Place a new footprint on the belt: the step length ahead of the previous one, or back
      home when the footprints have drifted out of view. */
  function place(footprints, step, s, goal) {
    const prev = footprints[footprints.length - 1];
    const length = step.step_length_m != null ? step.step_length_m : goal || 0.6;
    let p = prev ? prev.p + length : s + HOME_M;
    if (p - s < NEAR_LIMIT_M || p - s > FAR_LIMIT_M) {
      p = s + HOME_M;
      if (prev) prev.p = p - length;
    }
    for (const f of footprints) f.newest = false;
    footprints.push({ p, side: step.side, verdict: step.verdict, text: step.error_text,
      born: performance.now(), newest: true, n: step.n });
    while (footprints.length > 8) footprints.shift();
  }

  return { geometry, treadmill, course, place, COLORS };
})();
