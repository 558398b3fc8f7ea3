"""Messages rendered from the Jinja2 templates in ``notify/templates/<kind>/``:
``subject.txt``, ``body.txt`` and ``body.html`` (HTML autoescaped, text not).

A new kind of message is a new directory there, with those three files."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,  # a fact the template expects and the context lacks is a bug, not a blank
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(kind, context):
    """``(subject, text, html)`` of the ``kind`` message for ``context``."""
    subject = " ".join(_environment.get_template(f"{kind}/subject.txt").render(context).split())
    text = _environment.get_template(f"{kind}/body.txt").render(context)
    html = _environment.get_template(f"{kind}/body.html").render(dict(context, subject_line=subject))
    return subject, text, html


def kinds_with_templates():
    return sorted(path.name for path in TEMPLATES.iterdir()
                  if path.is_dir() and (path / "subject.txt").exists())
