"""Cohorts: many recordings, or many simulated patients, on one compute engine.

- :mod:`.engines`: where the work runs, ``local`` (this machine's cores) or ``dask``;
- :mod:`.many`: ``stride analyze`` of many recordings;
- :mod:`.recovery`: ``stride sim recovery`` jobs and their workers (plain data in, history
  rows out); :mod:`.recovery_run`: the command's run from options to stored sessions;
- :mod:`.writer`: the history writer thread; :mod:`.progress`: the progress bar.
"""
