"""The terminal dashboard of a live session: a pure layout of the session state
(:mod:`.dashboard`), plain-language alerts (:mod:`.alerts`), single key presses
(:mod:`.keys`), the full-screen refresh loop (:mod:`.terminal`) and the table printed when
a session ends (:mod:`.summary`). The walker's browser view lives in :mod:`stride.view`.
"""
