"""Workshop participants contribute from their own devices (Qt-free).

The desktop app hosts a session on the local network; participants open one page on a phone
or laptop, see the map the facilitator shows, and propose: a sticky note on a stage, an
estimate for a stage (wait, process time, %C&A), dot votes on kaizen ideas, and an answer to
the SPACE pulse. Nothing they send changes the map: each proposal lands in the facilitator's
inbox, who accepts it (one undoable command) or rejects it.

Modules
-------
:mod:`.contributions`
    What a participant can send, how it is read (the project's own duration and %C&A
    parsers) and refused (a message per field), and the arithmetic the inbox shows (the
    median and spread of estimate proposals, where an accepted note goes on the map, the
    pulse round of the session's answers).
:mod:`.session`
    :class:`~.session.WorkshopSession`: the token, the participants (display names for the
    session only), the contributions and their status, the vote budget, the limits. Safe to
    call from the server's threads and the GUI thread.
:mod:`.server`
    :class:`~.server.WorkshopServer`: the standard library's ``ThreadingHTTPServer`` in a
    thread of its own, serving only the session's endpoints under ``/s/<token>/``.
:mod:`.net`
    The addresses to offer (the LAN address found without sending anything, loopback).

The page (``page.html``, package data) is one self-contained file: inline CSS and script, no
external asset, every text from the server put in with ``textContent``.

See ``docs/workshop.md`` for the user's view and the safety model.
"""
