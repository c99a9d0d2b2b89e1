"""Sphinx extension: the runner option reference, written at build time
from ``streamr.options.OPTIONS`` so the docs cannot drift from the code.

Use the directive once, at the end of a page::

    ```{streamr-options}
    ```

It writes an overview table (option, switch, runners) and then one section
per topic of ``streamr.options.TOPICS``, describing each option: switch,
type, how values combine, runners, default and help. Each option gets the
anchor ``option-NAME``.
"""

from __future__ import annotations

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive

from streamr.args import switch_metavar
from streamr.options import OPTIONS, TOPICS, Option


def _anchor(opt: Option) -> str:
    return "option-" + opt.name.replace("_", "-")


def _switch_text(opt: Option) -> str:
    if not opt.switches:
        return "none (config files only)"
    if opt.kind == "bool":
        shown = list(opt.switches) + ([opt.false_switch] if opt.false_switch else [])
        return ", ".join(shown)
    metavar = switch_metavar(opt)
    return ", ".join("%s %s" % (switch, metavar) for switch in opt.switches)


def _default_text(opt: Option) -> str:
    if opt.default is None:
        return "empty" if opt.combine != "replace" else "not set"
    text = yaml.safe_dump(opt.default, default_flow_style=True, width=1 << 20)
    return text.replace("\n...\n", "").strip()


def _help_text(opt: Option) -> str:
    text = opt.help[:1].upper() + opt.help[1:]
    return text if text.endswith(".") else text + "."


def _literal_paragraph(text: str) -> nodes.paragraph:
    return nodes.paragraph("", "", nodes.literal(text, text))


def _field(name: str, body: nodes.Node) -> nodes.field:
    if isinstance(body, str):
        body = nodes.paragraph(body, body)
    return nodes.field("", nodes.field_name(name, name), nodes.field_body("", body))


def _describe(opt: Option) -> nodes.definition_list_item:
    term = nodes.term("", "", nodes.literal(opt.name, opt.name), ids=[_anchor(opt)])
    fields = nodes.field_list()
    fields += _field("Switch", _literal_paragraph(_switch_text(opt)) if opt.switches
                     else _switch_text(opt))
    fields += _field("Type", opt.kind_description)
    fields += _field("Combines", opt.combine_description)
    fields += _field("Runners", ", ".join(sorted(opt.runners)))
    default = _default_text(opt)
    fields += _field("Default", default if opt.default is None else _literal_paragraph(default))
    definition = nodes.definition("", nodes.paragraph(_help_text(opt), _help_text(opt)), fields)
    if opt.secret:
        note = "A credential: streamr conf show prints asterisks instead of its value."
        definition += nodes.paragraph(note, note)
    return nodes.definition_list_item("", term, definition)


def _overview() -> nodes.table:
    widths = (30, 45, 25)
    table = nodes.table(classes=["streamr-options-overview"])
    group = nodes.tgroup(cols=len(widths))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += _row(["Option", "Switch", "Runners"])
    group += head
    body = nodes.tbody()
    for opt in OPTIONS:
        link = nodes.reference("", "", nodes.literal(opt.name, opt.name), refid=_anchor(opt),
                               internal=True)
        switch = (nodes.literal(", ".join(opt.switches), ", ".join(opt.switches))
                  if opt.switches else "(config files only)")
        body += _row([link, switch, ", ".join(sorted(opt.runners))])
    group += body
    return table


def _row(cells: list) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        content = cell if isinstance(cell, nodes.Node) else nodes.Text(cell)
        row += nodes.entry("", nodes.paragraph("", "", content))
    return row


class OptionReference(Directive):
    """``streamr-options``: every runner option, from the option table."""

    has_content = False

    def run(self) -> list:
        document = self.state.document
        result: list = [_overview()]
        unknown = sorted({opt.topic for opt in OPTIONS} - set(TOPICS))
        if unknown:
            raise self.error("options with topics missing from TOPICS: %s" % ", ".join(unknown))
        for topic, title in TOPICS.items():
            members = [opt for opt in OPTIONS if opt.topic == topic]
            if not members:
                continue
            section = nodes.section(ids=["options-" + topic], names=[nodes.fully_normalize_name(
                title)])
            section += nodes.title(title, title)
            listing = nodes.definition_list()
            for opt in members:
                listing += _describe(opt)
            section += listing
            document.note_implicit_target(section, section)
            result.append(section)
        return result


def setup(app) -> dict:
    app.add_directive("streamr-options", OptionReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
