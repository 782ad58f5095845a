"""The terminal UI (Textual): a playground and a stepper for gradient descent.

Imported only when the UI starts, so the command line stays quick.
"""

__all__ = ["run"]


def run(preset: str | None = None, lesson=None) -> int:
    """Open the UI (on a preset's stepper or a lesson, if one is named); return when it closes."""
    from .app import TutorApp

    TutorApp(preset, lesson).run()
    return 0
