"""Exports of the campaign plan: Markdown, a standalone HTML page, and Word (.docx).

Learner text is data, never markup. Every exporter passes it through
``plain_text`` (drops what XML forbids: control characters, lone surrogates,
U+FFFE/U+FFFF, so no export can fail on pasted text; and bidi controls, so no
text shows in another order than it was typed) and then escapes it for its
format: Markdown escapes, ``html.escape``, plain Word runs.

Pure: no widget code here. python-docx is imported only inside
``plan_to_docx`` so that the kernel of a page that never exports stays lean.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import re
import unicodedata
from typing import Callable, Iterable
from urllib.parse import quote

from advocacy_lab.core.plan import CampaignPlan, MissingPart
from advocacy_lab.core.text import strip_bidi_controls

MARKDOWN_MIME = "text/markdown"
HTML_MIME = "text/html"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Characters XML 1.0 does not allow (python-docx/lxml refuse them), plus lone
# surrogates that cannot be encoded as UTF-8. Tab, newline and CR are kept.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def plain_text(text: object) -> str:
    """Learner text made safe to write in any format (not yet escaped).

    Newlines are normalised to ``\\n``; characters XML forbids and bidi
    controls (U+202A-U+202E, U+2066-U+2069) are dropped.
    Anything that is not a string becomes ``""``.
    """
    if not isinstance(text, str):
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_bidi_controls(_FORBIDDEN.sub("", text))


def _one_line(text: object) -> str:
    return " ".join(plain_text(text).split())


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

# Inline syntax that could turn learner text into markup: code spans, emphasis,
# links/images/footnotes, raw HTML and autolinks, entities, tables, strikethrough,
# and $math$ (rendered by Jupyter). Backslash first so escapes stay escapes.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~$])")
# URL schemes and www. that GFM would turn into links on its own.
_MD_AUTOLINK = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*)(:)(?=//)|(\bwww)(\.)")
# Block syntax at the start of a line: headings, quotes, lists, setext
# underlines, thematic breaks, ordered lists ("1." / "1)").
_MD_LINE_START = re.compile(r"^(?:([#>+\-=])|(\d{1,9})([.)]))")


def escape_markdown_line(line: str, *, heading: bool = False) -> str:
    """One line of learner text as Markdown that renders exactly as that text.

    In a heading every ``#`` is escaped, since a trailing ``#`` would close it.
    """
    stripped = line.lstrip(" \t")
    # Leading spaces would make an indented code block: keep them visible as
    # no-break spaces, which Markdown does not treat as indentation.
    indent = "\u00a0" * (len(line) - len(stripped) + 3 * line[: len(line) - len(stripped)].count("\t"))
    escaped = _MD_INLINE.sub(r"\\\1", stripped)
    if heading:
        escaped = escaped.replace("#", "\\#")
    escaped = _MD_AUTOLINK.sub(lambda m: f"{m.group(1)}\\:" if m.group(1) else f"{m.group(3)}\\.", escaped)
    escaped = _MD_LINE_START.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), escaped, count=1
    )
    return indent + escaped


def escape_markdown(text: object) -> str:
    """Learner text as Markdown paragraphs: escaped, line breaks kept."""
    paragraphs = re.split(r"\n[ \t]*\n", plain_text(text).strip("\n"))
    out = []
    for para in paragraphs:
        lines = [escape_markdown_line(line.rstrip()) for line in para.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            # Two trailing spaces: a hard line break, so the learner's lines stay lines.
            out.append("  \n".join(lines))
    return "\n\n".join(out)


def _missing_line_md(part: MissingPart, plan: CampaignPlan) -> str:
    text = f"**{escape_markdown_line(_one_line(part.title))}**"
    if part.details:
        text += " (" + ", ".join(escape_markdown_line(_one_line(d)) for d in part.details) + ")"
    where = escape_markdown_line(_one_line(part.module_title))
    if part.coming_soon:
        text += f": {plan.label('do_this_in')} “{where}” ({plan.label('coming_soon')})"
    else:
        text += f": {plan.label('do_this_in')} “{where}” ({escape_markdown_line(part.module_notebook or '')})"
    return "- " + text


def plan_to_markdown(plan: CampaignPlan) -> str:
    """The plan as a Markdown document; learner text cannot become links or HTML."""
    lines = [f"# {escape_markdown_line(_one_line(plan.title), heading=True)}", ""]
    lines += [f"{plan.label('created')}: {plan.created.isoformat()}", ""]
    for section in plan.sections:
        lines += [f"## {escape_markdown_line(_one_line(section.title), heading=True)}", ""]
        for entry in section.content.entries:
            lines += [f"**{escape_markdown_line(_one_line(entry.label))}**", ""]
            body = escape_markdown(entry.text)
            if body:
                lines += [body, ""]
    lines += [f"## {plan.label('still_to_do')}", ""]
    if plan.missing:
        lines += [_missing_line_md(part, plan) for part in plan.missing]
    else:
        lines.append(plan.label("all_done"))
    lines += ["", "---", "", plan.label("generated_by"), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def esc(text: object) -> str:
    """Learner (or any) text for HTML text and attribute values."""
    return html.escape(plain_text(text), quote=True)


def module_href(notebook: str) -> str:
    """A relative link to a lesson, as served next to this page (works under /voila/render/)."""
    return quote(notebook, safe="")


def missing_html(plan: CampaignPlan, *, link_modules: bool) -> str:
    """The "Still to do" list as HTML; with ``link_modules`` each available module is a link."""
    if not plan.missing:
        return f"<p>{esc(plan.label('all_done'))}</p>"
    items = []
    for part in plan.missing:
        text = f"<strong>{esc(part.title)}</strong>"
        if part.details:
            text += " (" + ", ".join(esc(d) for d in part.details) + ")"
        where = esc(part.module_title)
        if part.coming_soon:
            text += f": {esc(plan.label('do_this_in'))} “{where}” ({esc(plan.label('coming_soon'))})"
        elif link_modules:
            href = esc(module_href(part.module_notebook or ""))
            text += f': {esc(plan.label("do_this_in"))} <a href="{href}">{where}</a>'
        else:
            text += f": {esc(plan.label('do_this_in'))} “{where}” ({esc(part.module_notebook)})"
        items.append(f'<li data-part="{esc(part.id)}">{text}</li>')
    return "<ul>" + "".join(items) + "</ul>"


def plan_html_body(
    plan: CampaignPlan, *, link_modules: bool = False, include_missing: bool = True, top_level: int = 1
) -> str:
    """The plan as an HTML fragment (heading, sections, still-to-do list); every text escaped.

    ``top_level`` is the heading level of the plan title (sections one below),
    so the fragment fits under a page's own headings.
    """
    h1, h2 = f"h{top_level}", f"h{min(top_level + 1, 6)}"
    parts = [f"<{h1}>{esc(plan.title)}</{h1}>",
             f'<p class="created">{esc(plan.label("created"))}: {esc(plan.created.isoformat())}</p>']
    for section in plan.sections:
        parts.append(f'<section class="part" data-part="{esc(section.id)}"><{h2}>{esc(section.title)}</{h2}><dl>')
        for entry in section.content.entries:
            # <br> rather than CSS pre-wrap: the same fragment is shown in a widget.
            text = esc(entry.text).replace("\n", "<br>")
            parts.append(f'<dt>{esc(entry.label)}</dt><dd class="learner-text">{text}</dd>')
        parts.append("</dl></section>")
    if include_missing:
        parts.append(f'<section class="still-to-do"><{h2}>{esc(plan.label("still_to_do"))}</{h2}>')
        parts.append(missing_html(plan, link_modules=link_modules))
        parts.append("</section>")
    return "".join(parts)


PLAN_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;
max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.8rem;overflow-wrap:anywhere}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ccc}
dt{font-weight:bold;margin-top:.8rem}dd{margin:0 0 0 1rem}
.learner-text{overflow-wrap:anywhere}
.created,footer{color:#555}
""".strip()


def plan_to_html(plan: CampaignPlan) -> str:
    """The plan as a complete, standalone HTML document: no script, strict CSP, text escaped."""
    style_hash = base64.b64encode(hashlib.sha256(PLAN_CSS.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; "
        f"style-src 'sha256-{style_hash}'; "
        "img-src 'none'; script-src 'none'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    lang = esc(plan.lang)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(_one_line(plan.title))}</title>\n"
        f"<style>{PLAN_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{plan_html_body(plan, link_modules=False)}\n"
        f"</main>\n<footer><p>{esc(plan.label('generated_by'))}</p></footer>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------


def set_docx_language(document, lang: str) -> None:
    """Make ``lang`` the language of every run of a python-docx document.

    Word reads a run's language (spelling, hyphenation, the voice that reads it
    aloud) from ``w:lang`` in the run properties, inherited from the styles'
    defaults; python-docx's template says en-US there. The core properties'
    ``language`` is set too, for file browsers and search.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = document.styles.element
    found = styles.findall(".//" + qn("w:lang"))
    if not found:
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = OxmlElement("w:docDefaults")
            styles.insert(0, defaults)
        run_default = defaults.find(qn("w:rPrDefault"))
        if run_default is None:
            run_default = OxmlElement("w:rPrDefault")
            defaults.insert(0, run_default)
        run_properties = run_default.find(qn("w:rPr"))
        if run_properties is None:
            run_properties = OxmlElement("w:rPr")
            run_default.append(run_properties)
        found = [OxmlElement("w:lang")]
        run_properties.append(found[0])
    for element in found:
        element.set(qn("w:val"), lang)
    document.core_properties.language = lang


#: Word 2010's second copy of the styles. python-docx's template ships one: 438 KB of XML,
#: 14 KB zipped, a third of every plan's file, and still saying en-US. Word 2013 and later,
#: LibreOffice and Google Docs read styles.xml, and Word 2010 falls back to it when the copy
#: is absent; without it the styles, and their language, are in one place.
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def drop_styles_with_effects(document) -> None:
    """Leave Word 2010's copy of the styles out of a python-docx document (saved parts follow the relationships)."""
    rels = document.part.rels
    for rid, rel in list(rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS:
            del rels[rid]


def plan_to_docx(plan: CampaignPlan) -> bytes:
    """The plan as a Word document (.docx bytes), in the plan's language. Learner text goes in as plain runs."""
    import docx  # python-docx: imported here to keep page kernels lean
    from docx.shared import Pt

    document = docx.Document()
    drop_styles_with_effects(document)
    props = document.core_properties
    props.title = _one_line(plan.title)[:255]
    props.author = plan.label("generated_by")
    set_docx_language(document, plan.lang)

    document.add_heading(plain_text(_one_line(plan.title)), level=0)
    created = document.add_paragraph()
    created.add_run(f"{plan.label('created')}: {plan.created.isoformat()}").italic = True

    for section in plan.sections:
        document.add_heading(plain_text(section.title), level=1)
        for entry in section.content.entries:
            label = document.add_paragraph()
            label.add_run(plain_text(entry.label)).bold = True
            body = document.add_paragraph()
            body.add_run(plain_text(entry.text))
            body.paragraph_format.space_after = Pt(8)

    document.add_heading(plan.label("still_to_do"), level=1)
    if not plan.missing:
        document.add_paragraph(plan.label("all_done"))
    for part in plan.missing:
        item = document.add_paragraph(style="List Bullet")
        item.add_run(plain_text(part.title)).bold = True
        rest = ""
        if part.details:
            rest += " (" + ", ".join(plain_text(d) for d in part.details) + ")"
        rest += f": {plan.label('do_this_in')} “{plain_text(part.module_title)}”"
        rest += f" ({plan.label('coming_soon')})" if part.coming_soon else f" ({plain_text(part.module_notebook)})"
        item.add_run(rest)
    document.add_paragraph().add_run(plan.label("generated_by")).italic = True

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------


def download_filename(plan: CampaignPlan, extension: str) -> str:
    """A safe file name such as ``campaign-plan-clean-air-hanoi.docx`` (ASCII only)."""
    ascii_title = unicodedata.normalize("NFKD", _one_line(plan.title).replace("đ", "d").replace("Đ", "D"))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.encode("ascii", "ignore").decode("ascii").lower()).strip("-")
    slug = slug[:40].strip("-")
    untitled = _one_line(plan.title) == plan.label("default_title")
    stem = f"campaign-plan-{slug}" if slug and not untitled and slug != "campaign-plan" else "campaign-plan"
    return f"{stem}.{extension.lstrip('.')}"


def data_uri(content: bytes | str, mime: str) -> str:
    """``content`` as a base64 data: URI (downloads in Voila, where there is no file browser)."""
    if isinstance(content, str):
        content = content.encode("utf-8")
        mime = f"{mime};charset=utf-8"
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


#: Each download format: the MIME type of its file, and how the plan becomes its bytes.
EXPORT_FORMATS: dict[str, tuple[str, Callable[[CampaignPlan], bytes]]] = {
    "md": (MARKDOWN_MIME + ";charset=utf-8", lambda plan: plan_to_markdown(plan).encode("utf-8")),
    "html": (HTML_MIME + ";charset=utf-8", lambda plan: plan_to_html(plan).encode("utf-8")),
    "docx": (DOCX_MIME, plan_to_docx),
}


def export_plan(plan: CampaignPlan, fmt: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of the plan in one format (``EXPORT_FORMATS``); a ValueError names an unknown one."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(map(repr, EXPORT_FORMATS))}, not {fmt!r}")
    mime, build = EXPORT_FORMATS[fmt]
    return download_filename(plan, fmt), mime, build(plan)


def exports(plan: CampaignPlan) -> Iterable[tuple[str, str, bytes]]:
    """(format, file name, bytes) for Markdown, HTML and Word, in that order."""
    for fmt in EXPORT_FORMATS:
        name, _mime, content = export_plan(plan, fmt)
        yield fmt, name, content
