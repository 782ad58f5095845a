"""The terminal UI (Textual): a playground and a stepper for gradient descent.

Imported only when the UI starts, so the command line stays quick.
"""

__all__ = ["run"]


def run(preset: str | None = None) -> int:
    """Open the UI (on a preset's stepper, if one is named) and return when it closes."""
    from .app import TutorApp

    TutorApp(preset).run()
    return 0
