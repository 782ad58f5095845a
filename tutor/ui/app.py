"""The terminal UI's App: thin; it picks the first screen and holds the global keys."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from .screens.help import HelpScreen
from .screens.home import HomeScreen

__all__ = ["TutorApp"]


class TutorApp(App):
    """tutor in the terminal: gradient descent, one step at a time."""

    TITLE = "tutor"
    SUB_TITLE = "gradient descent, one step at a time"
    CSS_PATH = "tutor.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "help"),
        Binding("ctrl+t", "toggle_theme", "theme"),
        Binding("ctrl+q", "quit", "quit"),
    ]

    def __init__(self, preset: str | None = None, lesson=None) -> None:
        super().__init__()
        self.preset, self.lesson = preset, lesson

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        if self.preset:
            from .presets import PRESETS
            from .screens.stepper import StepperScreen

            preset = next(p for p in PRESETS if p.key == self.preset)
            self.push_screen(StepperScreen(preset.title, lambda: preset.build(preset.learning_rate)))
        if self.lesson:
            from .screens.lesson import LessonScreen

            self.push_screen(LessonScreen(self.lesson))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
