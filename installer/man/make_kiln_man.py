#!/usr/bin/env python3
"""Writes the kiln(1) manual page from the `kiln` command's own help texts.

usage: make_kiln_man.py KILN_EXECUTABLE OUTPUT.1 [VERSION]

`kiln --help` gives the synopsis, the description and the list of commands; `kiln COMMAND --help` gives each
command's usage, description and options. The page is made from them at build time, so that it lists every
command and option the program has, in the program's words. The help texts are read as they are laid out:
paragraphs apart by blank lines, a heading ("Options:") above a list whose entries start two spaces in, with the
term and its description apart by two or more spaces and the description going on in deeper-indented lines.
Fails (exit status 1, naming the command) when a help text cannot be read or does not start with "Usage:".
"""

import re
import subprocess
import sys

ENTRY = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")


def escape(text):
    """Text for a troff line: backslashes doubled, dashes as minus signs, and a leading dot or quote guarded."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def bold_terms(text):
    return "\\fB" + escape(text) + "\\fR"


def help_text(kiln, args):
    result = subprocess.run([kiln, *args, "--help"], capture_output=True, text=True, timeout=60)
    if result.returncode != 0 or not result.stdout.startswith("Usage:"):
        raise RuntimeError("'kiln %s --help' failed (exit status %d): %s"
                           % (" ".join(args), result.returncode, (result.stderr or result.stdout).strip()))
    return result.stdout


def blocks(text):
    """Paragraphs of the help text, each a list of lines."""
    current = []
    for line in text.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            yield current
            current = []
    if current:
        yield current


def usage_lines(block):
    """The usage block without "Usage: ", its continuation lines joined into one synopsis."""
    first = block[0][len("Usage:"):].strip()
    return " ".join([first] + [line.strip() for line in block[1:]])


def entries(lines):
    """(term, description) pairs of a list under a heading."""
    items = []
    for line in lines:
        match = ENTRY.match(line)
        if match:
            items.append([match.group(1), match.group(2) or ""])
        elif items:
            items[-1][1] = (items[-1][1] + " " + line.strip()).strip()
        else:
            raise RuntimeError("a list line without a term above it: %r" % line)
    return items


def render_blocks(out, text_blocks, list_heading_style):
    for block in text_blocks:
        if block[0].endswith(":") and len(block) > 1 and block[1].startswith("  "):
            heading = block[0][:-1]
            if list_heading_style:
                out.append(list_heading_style(heading))
            for term, description in entries(block[1:]):
                out.append(".TP")
                out.append(bold_terms(term))
                out.append(escape(description))
        else:
            out.append(".PP")
            out.extend(escape(line.strip()) for line in block)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    kiln, output = sys.argv[1], sys.argv[2]
    version = sys.argv[3] if len(sys.argv) == 4 else ""
    try:
        top = list(blocks(help_text(kiln, [])))
        commands = []
        for block in top:
            if block[0] == "Commands:":
                commands = [term.split()[0] for term, _ in entries(block[1:])]
        if not commands:
            raise RuntimeError("'kiln --help' lists no commands under 'Commands:'")
        command_help = {command: list(blocks(help_text(kiln, [command]))) for command in commands}
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        print("make_kiln_man.py: %s" % error, file=sys.stderr)
        return 1

    out = [
        '.TH KILN 1 "" "Kiln %s" "User Commands"' % escape(version),
        ".SH NAME",
        "kiln \\- build, inspect, run and profile neural\\-network models",
        ".SH SYNOPSIS",
        bold_terms(usage_lines(top[0])),
        ".SH DESCRIPTION",
    ]
    render_blocks(out, top[1:], lambda heading: ".SS " + escape(heading))
    out.append(".SH COMMANDS")
    for command in commands:
        help_blocks = command_help[command]
        out.append(".SS kiln " + escape(command))
        out.append(bold_terms(usage_lines(help_blocks[0])))
        render_blocks(out, help_blocks[1:], lambda heading: ".PP\n" + escape(heading) + ":")
    out += [
        ".SH FILES",
        ".TP",
        "\\fI/usr/share/kiln/samples/kiln_sample.onnx\\fR",
        "A small sample model to try the commands on.",
        ".SH SEE ALSO",
        "\\fBkiln\\-workbench\\fR(1)",
    ]
    with open(output, "w", encoding="utf-8") as page:
        page.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
