"""The README stays true: its capability matrix is what the adapters declare."""

from pathlib import Path

from xsell_connect.cli import capability_matrix_markdown

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- capability-matrix:start -->\n", "<!-- capability-matrix:end -->"


def test_readme_capability_matrix_is_generated_from_the_adapters() -> None:
    text = README.read_text(encoding="utf-8")
    matrix = text.split(START, 1)[1].split(END, 1)[0]
    assert matrix == capability_matrix_markdown(), (
        "regenerate with: xsell-connect adapters --markdown"
    )


def test_readme_quick_start_is_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    assert block.splitlines() == ["python3 dev.py demo", "python3 dev.py test"]
