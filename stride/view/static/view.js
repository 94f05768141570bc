"use strict";
/* The walker's view: connects to the session's WebSocket (and reconnects by itself), keeps
   what the server sends, and redraws the canvas every frame. Read-only: the page sends only
   pings, which measure its clock against the server's. window.strideView exposes what the
   tests and the benchmark read (latencies, frame times, the perspective). */
(() => {
  const $ = (id) => document.getElementById(id);
  const canvas = $("belt");
  const ctx2d = canvas.getContext("2d", { alpha: false });
  const query = location.search;
  const STATUS_TEXT = {
    connecting: ["CONNECTING", "waiting for the session"],
    offline: ["CONNECTION LOST", "reconnecting to the session by itself"],
    paused: ["PAUSED", "the session is paused: steps are not scored"],
    "device-lost": ["SENSORS LOST", "no feedback until the sensors are back: staff are on it"],
    ended: ["SESSION ENDED", "well done"],
  };
  const WORDS = { in: "on target", short: "short", long: "long", none: "not measured", flagged: "not scored" };

  const view = {
    status: "connecting", steps: 0, target: { mode: "treadmill", tolerance_m: 0.05 },
    belt: null, footprints: [], passSteps: [], passes: [], cues: StrideCues.state,
    serverCues: { metronome: false, tone: false }, local: {}, rate: 1,
    clockOffsetMs: 0, bestRttMs: Infinity, latencies: [], latenciesNextFrame: [], arrivals: [], serverLegs: [],
    frameTimes: [], drawMs: [], pendingPaint: [], lastFrame: null, geometry: null, connects: 0, messages: 0,
    goal() {
      const t = this.target;
      if (t.goal_m) return t.goal_m;
      return t.step_length_m || (t.spacing_m && t.lines_per_step ? t.spacing_m * t.lines_per_step : null);
    },
    spacing() { return this.target.spacing_m || (this.goal() ? this.goal() / 2 : 0.3); },
  };
  window.strideView = view;

  // -- drawing ---------------------------------------------------------------------------
  function beltDistance(nowMs) {
    const b = view.belt;
    if (!b) return 0;
    const ahead = Math.min(Math.max(nowMs - b.recv, 0), 500) / 1000;  // never run on past 0.5 s
    const moving = view.status === "running" && b.speed_mps > 0;
    return b.distance_m + (moving ? b.speed_mps * ahead * view.rate : 0);  // rate: a replay's speed
  }

  function resize() {
    const w = Math.round(window.innerWidth * (window.devicePixelRatio || 1));
    const h = Math.round(window.innerHeight * (window.devicePixelRatio || 1));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    view.geometry = StrideDraw.geometry(w, h);
  }

  function frame(ts) {
    resize();
    const g = view.geometry;
    const s = beltDistance(ts);
    if (view.target.mode === "course") StrideDraw.course(ctx2d, g, view);
    else StrideDraw.treadmill(ctx2d, g, view, s, ts);
    $("beat").classList.toggle("on", StrideCues.beatLit());
    const paintedAt = performance.timeOrigin + performance.now();
    view.drawMs.push(paintedAt - performance.timeOrigin - ts);
    for (const p of view.pendingPaint) {
      view.latencies.push([ts, paintedAt - (p.pub - view.clockOffsetMs)]);
      p.drawnTs = ts;
    }
    const previous = view.pendingPaint;
    view.pendingPaint = [];
    view.lastFrame = { ts, s };
    view.frameTimes.push(ts);
    if (view.frameTimes.length > 1200) { view.frameTimes.splice(0, 600); view.drawMs.splice(0, 600); }
    if (view.latencies.length > 5000) view.latencies.splice(0, 2500);
    requestAnimationFrame((next) => {  // the frame above is on screen by the next one
      for (const p of previous) {
        view.latenciesNextFrame.push([next, performance.timeOrigin + next - (p.pub - view.clockOffsetMs)]);
      }
      if (view.latenciesNextFrame.length > 5000) view.latenciesNextFrame.splice(0, 2500);
      frame(next);
    });
  }

  // -- what the server sends ---------------------------------------------------------------
  function setStatus(status) {
    view.status = status;
    document.body.dataset.status = status;
    const text = STATUS_TEXT[status];
    $("overlay-title").textContent = text ? text[0] : "";
    $("overlay-sub").textContent = text ? text[1] : "";
  }

  function setTarget(target) {
    view.target = target;
    document.body.dataset.mode = target.mode;
    updateCadence();
  }

  function updateCadence() {
    const t = view.target, b = view.belt, goal = view.goal();
    let cadence = t.cadence_spm || null;
    if (!cadence && t.mode === "treadmill" && b && b.speed_mps > 0 && goal) cadence = (60 * b.speed_mps) / goal;
    if (cadence) cadence *= view.rate || 1;  // a replay at 4x steps 4 times as often
    if (cadence !== StrideCues.state.cadence) StrideCues.set({ cadence });
  }

  function setCues(cues) {
    view.serverCues = cues;
    StrideCues.set({ metronome: !!cues.metronome, tone: !!cues.tone });
    document.body.classList.toggle("metronome", !!cues.metronome);
    showCueButtons();
  }

  function showShare(share) {
    for (const side of ["L", "R"]) {
      const v = share[side];
      $(`fill-${side}`).style.height = v == null ? "0%" : `${Math.round(v * 100)}%`;
      $(`share-${side}`).textContent = v == null ? "—" : `${Math.round(v * 100)} %`;
      const n = share.n ? share.n[side] : 0;
      $(`n-${side}`).textContent = n ? `of ${n} steps, last minute` : "no steps yet";
    }
  }

  function showCourse(course) {
    if (!course) return;
    $("pass-steps").textContent = `${course.current_steps} steps this pass`;
    const goal = view.goal(), tol = view.target.tolerance_m || 0;
    const list = $("passes");
    list.replaceChildren(...course.passes.slice(-6).map((p) => {
      const li = document.createElement("li");
      const m = p.step_length_m;
      li.dataset.verdict = m == null || !goal ? "none" : Math.abs(m - goal) <= tol + 1e-12 ? "in" : m < goal ? "short" : "long";
      li.textContent = `pass ${p.pass}: ${p.steps} steps, ${m == null ? "—" : m.toFixed(2) + " m"}`;
      return li;
    }));
    if (course.current_steps === 0) view.passSteps = [];
  }

  function step(msg) {
    view.steps = msg.n;
    $("step-count").textContent = String(msg.n);
    $("last-error-cm").textContent = msg.error_text;
    $("verdict").dataset.verdict = msg.verdict;
    $("verdict-word").textContent = WORDS[msg.verdict] || msg.verdict;
    if (msg.share) showShare(msg.share);
    if (view.target.mode === "course") {
      view.passSteps.push(msg);
      if (msg.course) showCourse(msg.course);
    } else {
      StrideDraw.place(view.footprints, msg, beltDistance(performance.now()), view.goal());
    }
    if (msg.verdict === "in") StrideCues.stepOnTarget();
    view.pendingPaint.push({ n: msg.n, pub: msg.pub });
    const now = performance.now();
    view.arrivals.push([now, performance.timeOrigin + now - (msg.pub - view.clockOffsetMs)]);
    if (msg.srv) view.serverLegs.push([now, msg.srv - msg.pub]);  // of that, in the server
    if (view.arrivals.length > 5000) { view.arrivals.splice(0, 2500); view.serverLegs.splice(0, 2500); }
  }

  function setClock(clock) {
    view.rate = clock && clock.rate >= 0 ? clock.rate : 1;
    updateCadence();
  }

  function hello(msg) {
    if (msg.clock) view.rate = msg.clock.rate;
    setTarget(msg.target);
    setCues(msg.cues);
    setStatus(msg.status);
    view.footprints = [];
    view.passSteps = [];
    if (msg.belt) view.belt = { ...msg.belt, recv: performance.now() };
    for (const s of msg.recent) step(s);
    view.pendingPaint = [];
    view.steps = msg.steps;
    $("step-count").textContent = String(msg.steps);
    showShare(msg.share);
    showCourse(msg.course);
    if (msg.target.mode === "course") {
      view.passSteps = msg.recent.slice(msg.recent.length - msg.course.current_steps);
    }
  }

  const HANDLERS = {
    hello,
    step,
    belt: (m) => { view.belt = { ...m, recv: performance.now() }; updateCadence(); },
    status: (m) => setStatus(m.status),
    target: (m) => setTarget(m.target),
    cues: (m) => setCues(m.cues),
    clock: (m) => setClock(m.clock),
    summary: (m) => { view.summary = m.summary; },
    pong: (m) => {
      const back = performance.timeOrigin + performance.now();
      const rtt = back - m.id;
      if (rtt <= view.bestRttMs * 1.5 || view.bestRttMs === Infinity) {
        view.bestRttMs = Math.min(view.bestRttMs, rtt);
        view.clockOffsetMs = m.server_ms - (m.id + back) / 2;
      }
    },
  };

  // -- the connection ------------------------------------------------------------------------
  let socket = null, backoffMs = 250, lastMessage = 0;

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws${query}`);
    socket = ws;
    ws.onopen = () => { backoffMs = 250; view.connects += 1; lastMessage = performance.now(); ping(); };
    ws.onmessage = (ev) => {
      lastMessage = performance.now();
      view.messages += 1;
      const msg = JSON.parse(ev.data);
      const handler = HANDLERS[msg.t];
      if (handler) handler(msg);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (view.status !== "ended") setStatus("offline");
      setTimeout(connect, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 3000);
    };
  }

  function ping() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ t: "ping", id: performance.timeOrigin + performance.now() }));
    }
  }

  setInterval(() => {
    ping();
    if (socket && socket.readyState === WebSocket.OPEN && performance.now() - lastMessage > 8000) {
      socket.close();  // a server that went silent: start again
    }
  }, 2000);

  // -- the page's own switches (they change this page only, never the session) ---------------
  function showCueButtons() {
    const c = StrideCues.state;
    $("btn-metronome").setAttribute("aria-pressed", String(!!c.metronome));
    $("btn-tone").setAttribute("aria-pressed", String(!!c.tone));
    $("btn-sound").textContent = StrideCues.running() ? "sound on" : "tap for sound";
  }

  function toggle(name) {
    StrideCues.unlock();
    StrideCues.set({ [name]: !StrideCues.state[name] });
    document.body.classList.toggle("metronome", !!StrideCues.state.metronome);
    setTimeout(showCueButtons, 50);
  }

  $("btn-sound").onclick = () => { StrideCues.unlock(); setTimeout(showCueButtons, 100); };
  $("btn-metronome").onclick = () => toggle("metronome");
  $("btn-tone").onclick = () => toggle("tone");
  $("btn-full").onclick = () => { if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen(); };
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "m") toggle("metronome");
    else if (ev.key === "t") toggle("tone");
    else if (ev.key === "f") $("btn-full").onclick();
  });
  document.addEventListener("pointerdown", () => { StrideCues.unlock(); setTimeout(showCueButtons, 100); });

  setStatus("connecting");
  showCueButtons();
  connect();
  requestAnimationFrame(frame);
})();
