"""Executes the project's notebooks in fresh tslab kernels and checks, refreshes or publishes them.

    run_notebooks.py [--check | --write | --html DIR | --doctor] [--timeout S] [--budget S] [NOTEBOOK ...]

--check (default) runs each notebook in memory and compares its fresh outputs with the committed
ones; --write stores the fresh outputs in the files; --html DIR writes an HTML page per notebook
and an index.html. scripts/notebooks.mjs passes the numbered series (notebooks/NN-*.ipynb) when
given no NOTEBOOK, so a learner's own notebooks never become part of the tutorial.

A failing cell fails the run: tslab reports an error only as stderr text with a reply status that
is not "ok", and then aborts the later cells, so each reply's status is checked here.
"Cell N" is the N-th code cell, which after a refresh is the one labelled In [N].
Normally started by scripts/notebooks.mjs, which picks the Python and sets JUPYTER_PATH.
"""

import argparse
import difflib
import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

REPO = Path(__file__).resolve().parent.parent
KERNEL_NAME = "tslab"
# Outputs of cells with this tag (timings, say) are not compared in --check, but the cell must run.
UNCHECKED_TAG = "unchecked-output"
# A finer way: a cell's metadata "volatile" lists regular expressions (Python re) of the text that changes from run
# to run ("[0-9,]+ tok/s"). --check masks their matches in the committed and the fresh outputs alike and compares
# the rest, so a timing never makes a cell stale and any other change still does.
VOLATILE_KEY = "volatile"
VOLATILE_MASK = "<volatile>"
MAX_DIFF_LINES = 20
MAX_DIFFS = 3  # stale cells shown with a diff; the others are only listed
MAX_DIFF_WIDTH = 160  # an SVG output is one very long line
# Seconds to wait, after a cell's reply, for the rest of its outputs. nbclient's default (4 s, then carry on with the
# outputs it has) cut a cell's outputs short on a busy machine: a thousand lines take longer than that to digest.
IOPUB_TIMEOUT = 120
# A fresh tslab kernel takes over a minute to answer on a contended CPU: nbclient's 60 s default failed notebooks there.
STARTUP_TIMEOUT = 300
# Seconds one cell may run when no budget says otherwise; with a budget, the notebook's budget is the only limit, so that
# a long training cell on a contended CPU gets what its notebook was given.
DEFAULT_CELL_TIMEOUT = 600
LAST_PRINTED_CHARS = 300


class CellFailed(Exception):
    def __init__(self, number, status, text):
        super().__init__(f"cell {number}: {text}")
        self.number = number
        self.status = status
        self.text = text


def display_name(path):
    """The path as the user would type it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def code_cells(nb):
    """The code cells that run (non-empty source), numbered from 1 like the kernel's In [N]."""
    runnable = [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    return list(enumerate(runnable, start=1))


def without_kernel_frames(text):
    """Drops the stack frames inside node:vm and tslab itself: they are the same for every error."""
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not (line.lstrip().startswith("at ") and ("node:vm" in line or "node_modules/tslab/" in line or "sigintHandlersWrap" in line)))


def error_text(cell, reply_content):
    """What the kernel said went wrong: tslab's stderr, or a standard error output if present."""
    parts = [without_kernel_frames(out.get("text", "")) for out in cell.get("outputs", []) if out.get("output_type") == "stream" and out.get("name") == "stderr"]
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
    if not parts and reply_content.get("ename"):
        parts.append(f"{reply_content['ename']}: {reply_content.get('evalue', '')}")
    return "".join(parts).strip() or f"(the kernel replied {reply_content.get('status')!r} and printed nothing)"


def last_printed(cell):
    """The end of what a cell has shown so far (its last output's text), to say where a cell stopped."""
    for out in reversed(cell.get("outputs", [])):
        text = out.get("text") if out.get("output_type") == "stream" else out.get("data", {}).get("text/plain")
        if isinstance(text, list):
            text = "".join(text)
        if text:
            text = text.rstrip()
            return text if len(text) <= LAST_PRINTED_CHARS else "..." + text[-LAST_PRINTED_CHARS:]
    return None


def coalesce_streams(outputs):
    """One output per run of stdout (or stderr) text: how the kernel splits a stream is timing, not content."""
    merged = []
    for out in outputs:
        previous = merged[-1] if merged else None
        if out.get("output_type") == "stream" and previous is not None and previous.get("output_type") == "stream" and previous.get("name") == out.get("name"):
            previous["text"] += out.get("text", "")
        else:
            merged.append(out)
    return merged


def saved_kernelspec():
    """The notebook metadata Jupyter writes for the tslab kernelspec when it opens a notebook."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    return {"display_name": spec.display_name, "language": spec.language, "name": KERNEL_NAME}


def normalize(nb):
    """Makes an executed notebook deterministic and as Jupyter saves it: counts 1.., merged streams,
    no timing metadata, the kernelspec's own names (else opening and saving the notebook changes it)."""
    nb.metadata["kernelspec"] = saved_kernelspec()
    numbers = {id(cell): number for number, cell in code_cells(nb)}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = numbers.get(id(cell))
        cell.outputs = coalesce_streams(cell.get("outputs", []))
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = cell.execution_count
        cell.metadata.pop("execution", None)
    return nb


def execute(path, timeout, budget=None):
    """Runs a notebook in a fresh tslab kernel (cwd = its folder); raises CellFailed on the first bad cell.

    timeout: seconds one cell may run (None: 600, or with a budget what is left of it);
    budget: seconds the whole notebook may run (None: no limit)."""
    import time

    nb = nbformat.read(str(path), as_version=4)
    numbers = {id(cell): number for number, cell in code_cells(nb)}
    started = time.monotonic()
    running = {"number": "?", "cell": None}

    def note_cell(cell, cell_index):
        running["number"] = numbers.get(id(cell), cell_index + 1)
        running["cell"] = cell

    def check_reply(cell, cell_index, execute_reply):
        content = execute_reply.get("content", {}) if execute_reply else {}
        status = content.get("status")
        if status != "ok":
            raise CellFailed(numbers.get(id(cell), cell_index + 1), status, error_text(cell, content))

    def cell_timeout(cell):
        if budget is None:
            return timeout or DEFAULT_CELL_TIMEOUT
        left = max(1, int(budget - (time.monotonic() - started)))
        return left if timeout is None else min(timeout, left)

    def stopped_at():
        printed = last_printed(running["cell"] or {})
        return f"; it last printed: {printed}" if printed else "; it printed nothing"

    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout_func=cell_timeout,
        iopub_timeout=IOPUB_TIMEOUT,
        raise_on_iopub_timeout=True,
        startup_timeout=STARTUP_TIMEOUT,
        allow_errors=True,  # errors are caught by check_reply, with tslab's text
        record_timing=False,
        on_cell_execute=note_cell,
        on_cell_executed=check_reply,
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    try:
        client.execute()
    except CellTimeoutError as error:
        if "IOPub" in str(error):
            text = f"the kernel replied but its outputs did not all arrive within {IOPUB_TIMEOUT} s"
        elif budget is not None and time.monotonic() - started >= budget - 1:
            text = f"the notebook ran longer than its budget of {budget} s"
        else:
            text = f"the cell ran longer than {timeout or DEFAULT_CELL_TIMEOUT} s"
        raise CellFailed(running["number"], "timeout", text + stopped_at()) from error
    except DeadKernelError as error:
        raise CellFailed(running["number"], "dead", f"the kernel died: {error}{stopped_at()}") from error
    return normalize(nb)


def notebook_text(nb):
    """The file text nbformat.write gives: indent 1, sorted keys, trailing newline."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def cell_lines(cell):
    """What a refresh may change in a code cell, as lines to diff."""
    shown = {"execution_count": cell.get("execution_count"), "metadata": cell.get("metadata", {}), "outputs": cell.get("outputs", [])}
    return json.dumps(shown, indent=1, sort_keys=True, ensure_ascii=False).splitlines()


def short_diff(old_lines, new_lines):
    diff = list(difflib.unified_diff(old_lines, new_lines, "committed", "fresh", n=1, lineterm=""))
    diff = [line if len(line) <= MAX_DIFF_WIDTH else line[:MAX_DIFF_WIDTH] + "..." for line in diff]
    return diff[:MAX_DIFF_LINES] + (["..."] if len(diff) > MAX_DIFF_LINES else [])


def keep_unchecked_outputs(committed, fresh):
    """Cells tagged UNCHECKED_TAG keep their committed outputs, so only the other cells are compared."""
    old_cells = dict(code_cells(committed))
    for number, cell in code_cells(fresh):
        if UNCHECKED_TAG in cell.metadata.get("tags", []) and number in old_cells:
            cell.outputs = old_cells[number].get("outputs", [])


def volatile_patterns(cell, where):
    """The cell's compiled "volatile" expressions; a malformed list is an error that names the cell."""
    import re

    patterns = cell.metadata.get(VOLATILE_KEY, [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise ValueError(f"{where}: metadata {VOLATILE_KEY!r} must be a list of regular expressions, got {patterns!r}")
    try:
        return [re.compile(p) for p in patterns]
    except re.error as error:
        raise ValueError(f"{where}: metadata {VOLATILE_KEY!r} has a bad regular expression: {error}") from error


def masked(outputs, patterns):
    """The outputs with every match of the patterns in their texts (stream text, each MIME type's data) masked."""

    def mask(text):
        for pattern in patterns:
            text = pattern.sub(VOLATILE_MASK, text)
        return text

    result = []
    for out in outputs:
        out = json.loads(json.dumps(out))
        if isinstance(out.get("text"), str):
            out["text"] = mask(out["text"])
        for mime, value in out.get("data", {}).items():
            if isinstance(value, str):
                out["data"][mime] = mask(value)
        result.append(out)
    return json.dumps(result, sort_keys=True, ensure_ascii=False)


def keep_volatile_outputs(committed, fresh, name):
    """A cell with "volatile" expressions keeps its committed outputs when they differ from the fresh ones only there."""
    old_cells = dict(code_cells(committed))
    for number, cell in code_cells(fresh):
        if VOLATILE_KEY not in cell.metadata or number not in old_cells:
            continue
        patterns = volatile_patterns(cell, f"{name} cell {number}")
        old_outputs = old_cells[number].get("outputs", [])
        if masked(old_outputs, patterns) == masked(cell.get("outputs", []), patterns):
            cell.outputs = old_outputs


def staleness(path, fresh):
    """(where, diff lines) for each difference between the committed file and what --write would give."""
    committed_text = path.read_text(encoding="utf-8")
    committed = nbformat.reads(committed_text, as_version=4)
    keep_unchecked_outputs(committed, fresh)
    keep_volatile_outputs(committed, fresh, display_name(path))
    if notebook_text(fresh) == committed_text:
        return []
    old_cells = dict(code_cells(committed))
    stale = []
    for number, cell in code_cells(fresh):
        old_lines = cell_lines(old_cells[number]) if number in old_cells else []
        if old_lines != cell_lines(cell):
            stale.append((f"cell {number}", short_diff(old_lines, cell_lines(cell))))
    if not stale:  # the difference is in the notebook's metadata or formatting
        stale.append(("its metadata or formatting", short_diff(committed_text.splitlines(), notebook_text(fresh).splitlines())))
    return stale


def write_notebook(nb, path):
    path.write_text(notebook_text(nb), encoding="utf-8")


def html_title(nb, fallback):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def svg_as_images(nb):
    """A copy of nb whose SVG outputs the HTML page shows as <img> with a data URL.

    nbconvert's templates pass inline SVG through an HTML sanitizer that strips its drawing (nbconvert 6.5 keeps
    only the text), but they show an output that has an svg_filename as <img src=...>, which we point at the SVG itself.
    """
    import base64
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            svg = output.get("data", {}).get("image/svg+xml")
            if svg is not None:
                encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
                output["svg_filename"] = "data:image/svg+xml;base64," + encoded
    return nb


# The HTML copy carries its own MathJax (MathJax 3 from npm, one file with its fonts), so the math is typeset offline
# and no page points at a CDN or at a file of the build machine (Debian's nbconvert would use /usr/share/javascript).
MATHJAX_SOURCE = REPO / "node_modules" / "mathjax" / "es5" / "tex-svg-full.js"
MATHJAX_ASSET = "assets/mathjax-tex-svg-full.js"
MATHJAX_CONFIG = (
    "<script>window.MathJax = { tex: { inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true,"
    " tags: 'ams' }, svg: { fontCache: 'global' } };</script>"
)
# require.js serves widget outputs, which these notebooks do not have.
NO_REQUIRE_JS = "no-require-js"
SITE_TITLE = "TheLittleBaby in TypeScript"
SITE_STYLE = """
body { font: 17px/1.55 system-ui, sans-serif; color: #1f2328; max-width: 46rem; margin: 3rem auto; padding: 0 1.25rem; }
h1 { font-size: 2rem; margin-bottom: 0.25rem; }
p.lead { color: #59636e; margin-top: 0; }
ol { padding-left: 1.6rem; }
li { margin: 0.45rem 0; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
"""
NAV_STYLE = """
nav.site { font: 14px system-ui, sans-serif; padding: 0.6rem 1rem; border-bottom: 1px solid #d1d9e0; }
nav.site a { color: #0969da; text-decoration: none; margin-right: 1.2rem; }
"""


def html_links(body):
    """Links between notebooks ("02-queries-keys-values.ipynb#Step") point at their pages (".html#Step")."""
    import re

    return re.sub(r'href="([^":/"#]+)\.ipynb(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def page_nav(names, index):
    """The line on top of each page: the index, the previous and the next notebook."""
    from html import escape

    links = ['<a href="index.html">' + escape(SITE_TITLE) + "</a>"]
    if index > 0:
        links.append(f'<a href="{escape(names[index - 1])}">&larr; previous</a>')
    if index + 1 < len(names):
        links.append(f'<a href="{escape(names[index + 1])}">next &rarr;</a>')
    return f'<nav class="site"><style>{NAV_STYLE}</style>' + "".join(links) + "</nav>"


def write_html(pages, out_dir):
    """Writes NAME.html per executed notebook and an index.html that lists their titles in order.

    Each page carries its own pictures (SVG as data URLs), styles and MathJax; pages link to each other's .html.
    """
    import re
    from html import escape
    from nbconvert import HTMLExporter

    out_dir.mkdir(parents=True, exist_ok=True)
    if not MATHJAX_SOURCE.is_file():
        raise SystemExit(f"{display_name(MATHJAX_SOURCE)} is missing: run npm install")
    (out_dir / "assets").mkdir(exist_ok=True)
    shutil.copyfile(MATHJAX_SOURCE, out_dir / MATHJAX_ASSET)
    exporter = HTMLExporter(mathjax_url=MATHJAX_ASSET, require_js_url=NO_REQUIRE_JS)
    names = [path.stem + ".html" for path, _ in pages]
    links = []
    for index, (path, nb) in enumerate(pages):
        body, _ = exporter.from_notebook_node(svg_as_images(nb))
        nav = page_nav(names, index)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, html_links(body), count=1)
        body = re.sub(rf'<script src="{NO_REQUIRE_JS}">\s*</script>\n?', "", body)
        body = body.replace(f'<script src="{MATHJAX_ASSET}">', MATHJAX_CONFIG + f'\n<script src="{MATHJAX_ASSET}">', 1)
        (out_dir / names[index]).write_text(body, encoding="utf-8")
        links.append(f'<li><a href="{escape(names[index])}">{escape(html_title(nb, path.stem))}</a></li>')
    index = "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(SITE_TITLE)}</title><style>{SITE_STYLE}</style></head>",
        f"<body><h1>{escape(SITE_TITLE)}</h1>",
        '<p class="lead">How a GPT thinks, computed step by step in TypeScript.</p>',
        "<ol>", *links, "</ol>",
        "</body></html>",
        "",
    ])
    (out_dir / "index.html").write_text(index, encoding="utf-8")


def doctor():
    """Proves this Python can run the notebooks: prints the tslab kernelspec Jupyter finds."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        print(f"no {KERNEL_NAME!r} kernel on JUPYTER_PATH={os.environ.get('JUPYTER_PATH', '')}; run npm run kernel", file=sys.stderr)
        return 1
    missing = [part for part in spec.argv[:2] if not Path(part).exists()]
    if missing:
        print(f"the {KERNEL_NAME} kernelspec points at missing files {missing}; run npm run kernel", file=sys.stderr)
        return 1
    print(f"python: {sys.executable}")
    print(f"kernel {KERNEL_NAME}: {spec.resource_dir}")
    print(f"argv: {' '.join(spec.argv)}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare fresh outputs with the committed ones (default)")
    mode.add_argument("--write", action="store_true", help="write the fresh outputs into the notebooks")
    mode.add_argument("--html", metavar="DIR", help="write an HTML copy of each notebook and an index.html into DIR")
    mode.add_argument("--doctor", action="store_true", help="only check that the tslab kernel can be found")
    parser.add_argument("--timeout", type=int, help=f"seconds one cell may run (default {DEFAULT_CELL_TIMEOUT}, or with --budget what is left of it)")
    parser.add_argument("--budget", type=int, help="seconds each notebook may run in all (default: no limit)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="the notebooks to run")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keep progress lines in order with the errors

    if args.doctor:
        return doctor()
    paths = args.notebooks
    if not paths:
        print("no notebooks to run")
        return 0
    failures = 0
    pages = []
    for path in paths:
        name = display_name(path)
        if not path.is_file():
            print(f"{name}: no such notebook", file=sys.stderr)
            failures += 1
            continue
        try:
            fresh = execute(path, args.timeout, args.budget)
        except CellFailed as failure:
            print(f"{name} cell {failure.number}: {failure.text}", file=sys.stderr)
            print(f"  (status {failure.status!r}; later cells did not run)", file=sys.stderr)
            failures += 1
            continue
        if args.write:
            write_notebook(fresh, path)
            print(f"{name}: refreshed")
        elif args.html:
            pages.append((path, fresh))
            print(f"{name}: ran")
        else:
            try:
                stale = staleness(path, fresh)
            except ValueError as error:
                print(str(error), file=sys.stderr)
                failures += 1
                continue
            for where, diff in stale[:MAX_DIFFS]:
                print(f"stale outputs in {name} {where}; run npm run notebooks:refresh", file=sys.stderr)
                print("\n".join("    " + line for line in diff), file=sys.stderr)
            if len(stale) > MAX_DIFFS:
                rest = ", ".join(where for where, _ in stale[MAX_DIFFS:])
                print(f"stale outputs in {name} also in {rest}", file=sys.stderr)
            failures += bool(stale)
            if not stale:
                print(f"{name}: ok")
    if args.html and pages:
        out_dir = Path(args.html)
        write_html(pages, out_dir)
        print(f"HTML written to {display_name(out_dir)}/index.html")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
