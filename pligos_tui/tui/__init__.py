"""The Textual shells of Pligos: `pligos new` (a wizard) and `pligos edit` (an editor).

They hold no logic of their own: loading, validation, compiling and rendering are the core's
(`pligos_tui.spec`, `pligos_tui.charts`) through the jobs in `pligos_tui.jobs`, called exactly as
the command line calls them.
"""
