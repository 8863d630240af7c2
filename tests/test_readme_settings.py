"""The README's tables of settings are the ones the declarations give."""

from pathlib import Path

from woc_gate.config.__main__ import main
from woc_gate.config.readme import BEGIN, END, markdown

README = Path(__file__).parent.parent / "README.md"


def test_the_readme_carries_the_generated_tables_of_settings():
    text = README.read_text(encoding="utf-8")
    carried = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert carried == markdown(), "README.md's settings differ: paste `python -m woc_gate.config --markdown` over them"


def test_the_tables_are_printed_on_request(capsys):
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown() + "\n"
