"""A report as a list of blocks, rendered once as Markdown and once as one self-contained HTML
page: the two files can never say different things.

Blocks: :class:`Heading`, :class:`Paragraph`, :class:`Table`, :class:`Figure`. The HTML page
embeds its images, keeps wide tables readable at any width (each table scrolls inside its own
box, its header row sticks while it scrolls) and has no script.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Union


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str
    lead: bool = False      # the page's headline: set apart in HTML


@dataclass
class Table:
    head: list[str]
    body: list[list[str]]


@dataclass
class Figure:
    path: Path
    caption: str


Block = Union[Heading, Paragraph, Table, Figure]

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em auto;padding:0 1em;max-width:1400px;
line-height:1.45;color:#222}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}h3{font-size:1.05em}
.headline{background:#f5f8ff;border-left:4px solid #4a72c4;padding:.6em 1em}
.scroll{overflow:auto;max-height:32em;max-width:100%;border:1px solid #ddd;margin:.5em 0}
table{border-collapse:collapse;font-size:13px;min-width:100%}
td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;white-space:nowrap}
th{background:#f3f3f3;position:sticky;top:0;z-index:1}
figure{margin:.8em 0}img{max-width:100%;height:auto}
figcaption{font-size:12px;color:#555}
@media (max-width:900px){body{margin:.5em;padding:0 .5em}td,th{font-size:12px}}
"""


def markdown(title: str, blocks: list[Block], out: Path) -> str:
    """Markdown with image links relative to ``out``."""
    md = [f"# {title}"]
    for b in blocks:
        if isinstance(b, Heading):
            md += ["", "#" * b.level + " " + b.text]
        elif isinstance(b, Paragraph):
            md += ["", b.text]
        elif isinstance(b, Table):
            md += ["", "| " + " | ".join(b.head) + " |", "|" + "---|" * len(b.head)]
            md += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
                   for row in b.body]
        else:
            md += ["", f"![{b.caption}]({b.path.relative_to(out).as_posix()})"]
    return "\n".join(md) + "\n"


def page(title: str, blocks: list[Block]) -> str:
    """One HTML page, images embedded."""
    esc = html.escape
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{esc(title)}</h1>"]
    for b in blocks:
        if isinstance(b, Heading):
            parts.append(f"<h{b.level}>{esc(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            parts.append(f"<p{' class=headline' if b.lead else ''}>{esc(b.text)}</p>")
        elif isinstance(b, Table):
            parts.append("<div class='scroll'><table><thead><tr>"
                         + "".join(f"<th>{esc(h)}</th>" for h in b.head) + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                      for row in b.body]
            parts.append("</tbody></table></div>")
        else:
            data = base64.b64encode(b.path.read_bytes()).decode()
            parts.append(f"<figure><img alt='{esc(b.caption)}' "
                         f"src='data:image/png;base64,{data}'>"
                         f"<figcaption>{esc(b.caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)
