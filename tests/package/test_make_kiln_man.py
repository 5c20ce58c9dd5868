"""installer/man/make_kiln_man.py on a stand-in `kiln` whose help texts are fixed here: the page has every
command and option of them, in troff that man renders, and a command whose help fails fails the page."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "installer", "man", "make_kiln_man.py")

TOP_HELP = """\
Usage: kiln COMMAND [OPTIONS]

Build and run models.

Commands:
  build MODEL -o PLAN      Optimize a model
  inspect MODEL_OR_PLAN    Show the layers

.dot at the start of a line, and a back\\slash.

Options:
  -h, --help      Show this help
"""

BUILD_HELP = """\
Usage: kiln build MODEL -o PLAN [--fp16]
                  [--verbose]

Imports a model.

Options:
  -o, --saveEngine PLAN      Where to write the plan
  --precisionConstraints MODE
                             obey (default): a layer that cannot run
                             fails the build
  -h, --help                 Show this help
"""

INSPECT_HELP = """\
Usage: kiln inspect MODEL_OR_PLAN [--json]

Options:
  --json   Write JSON
"""


def stand_in_kiln(folder, inspect_fails=False):
    """A `kiln` that prints the help texts above; with inspect_fails, `kiln inspect --help` fails."""
    path = os.path.join(folder, "kiln")
    inspect = "echo 'broken' >&2; exit 3" if inspect_fails else "cat <<'EOF'\n%sEOF" % INSPECT_HELP
    with open(path, "w") as script:
        script.write(textwrap.dedent("""\
            #!/bin/sh
            case "$1" in
            --help) cat <<'EOF'
            %sEOF
            ;;
            build) cat <<'EOF'
            %sEOF
            ;;
            inspect) %s
            ;;
            esac
            """) % (TOP_HELP, BUILD_HELP, inspect))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


class MakeKilnManTest(unittest.TestCase):
    def setUp(self):
        self.folder = self.enterContext(tempfile.TemporaryDirectory())

    def run_script(self, inspect_fails=False):
        kiln = stand_in_kiln(self.folder, inspect_fails)
        page = os.path.join(self.folder, "kiln.1")
        result = subprocess.run([sys.executable, SCRIPT, kiln, page, "1.2.3"], capture_output=True, text=True)
        if not os.path.exists(page):
            return result, None
        with open(page, encoding="utf-8") as text:
            return result, text.read()

    def test_every_command_and_option(self):
        result, page = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('.TH KILN 1 "" "Kiln 1.2.3" "User Commands"', page)
        self.assertIn(".SH SYNOPSIS\n\\fBkiln COMMAND [OPTIONS]\\fR", page)
        self.assertIn(".SS kiln build\n\\fBkiln build MODEL \\-o PLAN [\\-\\-fp16] [\\-\\-verbose]\\fR", page)
        self.assertIn(".SS kiln inspect\n", page)
        self.assertIn(".TP\n\\fB\\-o, \\-\\-saveEngine PLAN\\fR\nWhere to write the plan\n", page)
        # An option whose description starts on the next line, and a description over several lines.
        self.assertIn(".TP\n\\fB\\-\\-precisionConstraints MODE\\fR\n"
                      "obey (default): a layer that cannot run fails the build\n", page)
        self.assertIn(".TP\n\\fBbuild MODEL \\-o PLAN\\fR\nOptimize a model\n", page)

    def test_troff_escapes(self):
        result, page = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("\n\\&.dot at the start of a line, and a back\\eslash.\n", page)
        for line in page.splitlines():
            if line.startswith("."):
                self.assertRegex(line, r"^\.(TH|SH|SS|TP|PP)\b", "a text line read as a request")

    def test_renders_without_warnings(self):
        result, page = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        path = os.path.join(self.folder, "rendered.1")
        with open(path, "w", encoding="utf-8") as out:
            out.write(page)
        if shutil.which("groff") is None:
            self.skipTest("groff is not installed")
        rendered = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path], capture_output=True, text=True)
        self.assertEqual(rendered.stderr, "")

    def test_a_failing_help_fails_the_page(self):
        result, page = self.run_script(inspect_fails=True)
        self.assertEqual(result.returncode, 1)
        self.assertIn("'kiln inspect --help' failed (exit status 3): broken", result.stderr)
        self.assertIsNone(page)


if __name__ == "__main__":
    unittest.main()
