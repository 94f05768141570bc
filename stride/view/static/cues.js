"use strict";
/* Sound cues with WebAudio: a metronome click at the target cadence, scheduled ahead on the
   audio clock so it keeps time whatever the page is drawing, and a soft tone for each step
   on target. Browsers start sound only after a tap on the page: until then the buttons say
   so, and the metronome's beat still shows as a flashing circle. */
const StrideCues = (() => {
  const LOOKAHEAD_S = 0.12;
  let ctx = null;
  let nextBeat = 0;
  let timer = null;
  const state = { metronome: false, tone: false, cadence: null, clicks: 0, tones: 0, beatAt: 0 };

  function audio() {
    if (ctx === null) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      ctx = new Ctx();
    }
    return ctx;
  }

  function running() { return ctx !== null && ctx.state === "running"; }

  /** Called from a tap or key press: browsers let sound start only then. */
  function unlock() {
    const a = audio();
    if (a && a.state !== "running") a.resume();
  }

  function blip(at, freq, seconds, gain, type) {
    const osc = ctx.createOscillator();
    const amp = ctx.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    amp.gain.setValueAtTime(0.0001, at);
    amp.gain.exponentialRampToValueAtTime(gain, at + 0.004);
    amp.gain.exponentialRampToValueAtTime(0.0001, at + seconds);
    osc.connect(amp).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + seconds + 0.02);
  }

  function schedule() {
    const period = state.cadence > 0 ? 60 / state.cadence : 0;
    if (!state.metronome || !period) { nextBeat = 0; return; }
    const now = performance.now() / 1000;
    if (running()) {
      const t = ctx.currentTime;
      if (nextBeat < t) nextBeat = t + 0.05;
      while (nextBeat < t + LOOKAHEAD_S) {
        blip(nextBeat, 1500, 0.035, 0.5, "square");
        state.clicks += 1;
        state.beatAt = now + (nextBeat - t);
        nextBeat += period;
      }
    } else if (now >= state.beatAt + period) {
      state.beatAt = now;  // no sound yet: the flashing circle keeps the beat
    }
  }

  function set(changes) {
    Object.assign(state, changes);
    if (state.metronome && timer === null) timer = setInterval(schedule, 25);
    if (!state.metronome && timer !== null) { clearInterval(timer); timer = null; }
    schedule();
  }

  /** A soft tone for a step on target (when switched on). */
  function stepOnTarget() {
    if (!state.tone || !running()) return;
    blip(ctx.currentTime + 0.005, 660, 0.18, 0.18, "sine");
    state.tones += 1;
  }

  /** Whether the visual beat is lit now (the first 120 ms of each beat). */
  function beatLit() {
    return state.metronome && state.cadence > 0 && performance.now() / 1000 - state.beatAt < 0.12
      && performance.now() / 1000 >= state.beatAt;
  }

  return { state, set, unlock, running, stepOnTarget, beatLit, audio };
})();
