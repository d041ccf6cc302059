"""The command line's commands: each module adds its parsers and, per command, parses the
arguments, calls one service (:mod:`vsm_app.services`) and prints (DESIGN §6). Results go to
stdout, progress and notes to stderr; bad input is :class:`vsm_app.errors.BadInput` (exit 2).

Every module imports only the standard library at the top, so ``vsm-app --help`` stays
fast; what a command needs is imported when it runs.
"""
