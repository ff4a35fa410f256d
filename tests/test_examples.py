"""Every example works as printed: the README's, docs/unattended.md's and each command's --help epilog (the issue:
`brief send output/2025-12-08-demo` did not, editions live in output/editions/), and --help never re-wraps one.

The examples are read from the documents and from ``cli`` itself, never copied here. Each runs in-process
(``CliRunner``), in order, in a sandbox folder holding the files the examples name, with every provider and the SMTP
server on 127.0.0.1 (tests/fakeservers.py, tests/smtpserver.py). Examples depend on the ones before them (``brief
send output/editions/2025-12-08-demo`` sends what ``brief build --demo --format pdf,html,email`` built), so a test
selected alone first runs, unchecked, the examples before it in its sandbox.

What the test changes in an example is in small tables, each entry with its reason: EXPANSIONS (the README's
pseudo-syntax lines), SUBSTITUTIONS (placeholders, public hosts, folders outside the sandbox), EMPTY_FOLDER, and
EXIT_CODES (the examples documented to exit 1, and why). BUGS lists the examples that fail for a bug in the program.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import shutil
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from fakeservers import GOOD_KEY, FakeServer, FredSeries, serve_everything
from smtpserver import PASSWORD, USER, SmtpServer

from report.cli import cli
from report.pipeline import build as build_pipeline
from report.sources import registry

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2025-12-08"  # the demo week's Monday: the stores' data reach it
TODAY = dt.date(2025, 12, 9)  # the sandbox's today, for the editions that default to today

# an example: optional NAME=value environment assignments, then `brief` and its arguments
EXAMPLE = re.compile(r"^(?:[A-Z][A-Z0-9_]*=\S*\s+)*brief(?:\s|$)")
COMMENT = re.compile(r"\s+#(?:\s.*)?$")  # a trailing `# comment`
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
PSEUDO = re.compile(r"[|\[\]]|\bEDITION\b|\bCOMMAND\b")
# docs/unattended.md loads the secrets in a subshell first: `(set -a && . ./brief.env && brief doctor)`; here the
# sandbox's environment holds them (the fake FRED's key, the test SMTP server's login), and the inner command runs
SUBSHELL = re.compile(r"^\(set -a && \. \./brief\.env && (brief .*)\)$")


# --- the examples, as printed -----------------------------------------------------------------------------------
def commands(cmd: click.Command = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """The group and every command and group under it, with the words that name it (``("archive", "show")``)."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from commands(sub, (*path, name))


def epilog_examples(cmd: click.Command) -> list[str]:
    """The examples of a command's epilog: the lines after "Example(s):" that run brief."""
    lines = (cmd.epilog or "").splitlines()
    assert lines and lines[0] in {"Example:", "Examples:"}, f"{cmd.name}: the epilog does not start with examples"
    found = [line.strip() for line in lines[1:] if EXAMPLE.match(line.strip())]
    assert found, f"{cmd.name}: no example in the epilog"
    return found


def sh_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Each line of a Markdown file's ```sh blocks, with its line number, without a trailing comment."""
    text = path.read_text(encoding="utf-8")
    for block in SH_BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        for i, line in enumerate(block.group(1).splitlines()):
            line = COMMENT.sub("", line).strip()
            if line:
                yield first + i, line


# --- what the test changes in an example, and why --------------------------------------------------------------
# The README's pseudo-syntax lines and the commands they stand for.
EXPANSIONS: dict[str, list[str]] = {
    "brief archive list | show EDITION | verify [EDITION] | index": [
        "brief archive list",
        f"brief archive show {AS_OF}-demo",  # EDITION: one the examples before built
        "brief archive verify",
        f"brief archive verify {AS_OF}-demo",
        "brief archive index",
    ],
    "brief backfill --from 2025-11-24 --to 2025-12-08 [--every friday|fomc] [--jobs 2]": [
        "brief backfill --from 2025-11-24 --to 2025-12-08",
        "brief backfill --from 2025-11-24 --to 2025-12-08 --every fomc --jobs 2",
    ],
    "brief --help, brief COMMAND --help, brief --version": ["brief --help", "brief build --help", "brief --version"],
}


@dataclass(frozen=True)
class Sandbox:
    """Where an example runs: the sandbox folder and its fake home (~)."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"


# Words of an example replaced before it runs: {word: (its replacement, why)}.
SUBSTITUTIONS: dict[str, tuple[Callable[[Sandbox], str], str]] = {
    "FRED_API_KEY=...": (lambda s: f"FRED_API_KEY={GOOD_KEY}", "a placeholder for your key: the fake FRED's own"),
    "BRIEF_SMTP_USER=me": (lambda s: f"BRIEF_SMTP_USER={USER}", "a placeholder login: the test SMTP server's own"),
    "BRIEF_SMTP_PASSWORD=...": (lambda s: f"BRIEF_SMTP_PASSWORD={PASSWORD}", "a placeholder password: the same"),
    "smtp.example.org": (lambda s: "127.0.0.1", "a public host: tests reach only 127.0.0.1 (port: BRIEF_SMTP_PORT)"),
    "/tmp/editions": (lambda s: str(s.root / "tmp" / "editions"), "outside the sandbox, and shared by test runs"),
    "/tmp/ed": (lambda s: str(s.root / "tmp" / "ed"), "outside the sandbox, and shared by test runs"),
    "/srv/brief": (lambda s: str(s.root / "srv" / "brief"), "outside the sandbox"),
}

# Examples run in an empty folder of the sandbox instead of its top: {command: why}.
EMPTY_FOLDER: dict[str, str] = {
    "brief init": "it sets up the folder it runs in and refuses one that holds any of its files; the sandbox holds "
    "readers.txt, which the other examples read",
}

# Examples documented to exit with another code than 0: {command: (exit code, why)}.
EXIT_CODES: dict[str, tuple[int, str]] = {
    "brief notes check docs/examples/reference-week.md --as-of 2025-12-08": (
        1,
        "it checks the reference article's claims against the data and exits 1 when one fails, as some do "
        "(docs/notes.md): on the real data the payroll claim (tests/test_editor.py), here reserves' share of GDP",
    ),
}

# Examples that fail for a bug in the program, not in the example: {command: the bug}. Each is xfail(strict=True).
# (Once: `brief send 2025-12-08` took the real-data edition named 2025-12-08, built without an e-mail, instead of
# the demo edition of that date that has one; report/archive.py find now ranks by the file asked for.)
BUGS: dict[str, str] = {}


def fill_in_readers(sandbox: Sandbox) -> None:
    """docs/unattended.md, "2. Fill it in" (prose, no command): readers.txt as `brief init` writes it names nobody."""
    with (sandbox.home / "brief" / "readers.txt").open("a", encoding="utf-8") as f:
        f.write("ann@example.org\nbo@example.org\n")


# What a document asks the reader to do by hand after an example: {(sandbox, command): the edit}.
AFTER: dict[tuple[str, str], Callable[[Sandbox], None]] = {("unattended", "brief init ~/brief"): fill_in_readers}


@dataclass(frozen=True)
class Step:
    """One command to run: its sandbox, where it is printed and the command it stands for (or `cd DIR`)."""

    sandbox: str  # "readme": the README's examples, then --help's (which name editions the README's built)
    where: str  # README.md:42, brief send --help, docs/unattended.md:41
    command: str = ""
    cd: str = ""

    @property
    def id(self) -> str:
        return f"{self.where}: {self.command or 'cd ' + self.cd}"


def _steps(sandbox: str, where: str, line: str) -> list[Step]:
    expanded = EXPANSIONS.get(line, [line])
    for c in expanded:
        assert not PSEUDO.search(c), f"{where}: {c!r} is pseudo-syntax: say in EXPANSIONS what it stands for"
    return [Step(sandbox, where, c) for c in expanded]


def readme_steps() -> list[Step]:
    """The README's examples in the order printed, then every command's --help examples."""
    steps = []
    for n, line in sh_lines(REPO / "README.md"):
        if EXAMPLE.match(line):  # not `make brief`
            steps += _steps("readme", f"README.md:{n}", line)
    for path, cmd in commands():
        for line in epilog_examples(cmd):
            steps += _steps("readme", " ".join(("brief", *path, "--help")), line)
    return steps


def unattended_steps() -> list[Step]:
    """docs/unattended.md's brief commands and its `cd`; systemctl, loginctl, journalctl and crontab are no brief
    examples (tests/test_scaffold.py checks the units and crontab lines they install)."""
    steps = []
    for n, line in sh_lines(REPO / "docs" / "unattended.md"):
        where = f"docs/unattended.md:{n}"
        if line.startswith("cd "):
            steps.append(Step("unattended", where, cd=line.removeprefix("cd ")))
        elif m := SUBSHELL.match(line):
            steps += _steps("unattended", where, m.group(1))
        elif EXAMPLE.match(line):
            steps += _steps("unattended", where, line)
    return steps


STEPS = readme_steps() + unattended_steps()


# --- the sandbox ---------------------------------------------------------------------------------------------------
NOTES = """---
title: {en: "Desk view", zh-Hant: "本週觀點"}
---
# zh-Hant
銀行準備金為{{ reserves }}（{{ reserves.observed }}），低於{{ claim reserves < 4e12 }}。

# en
Bank reserves are {{ reserves }} ({{ reserves.observed }}), below {{ claim reserves < 4e12 }}.
"""


def csv(header: str, rows: list[tuple[str, float]]) -> str:
    return header + "\n" + "".join(f"{d},{v!r}\n" for d, v in rows)


def input_files(demo_store: Path) -> dict[str, str]:
    """The files the examples name, in the formats README "Data" documents, holding the demo store's own last values
    (so importing them into the real-data store, a copy of the demo store, leaves its figures as they are)."""
    from report.store import Store

    with Store(demo_store, readonly=True) as store:

        def last(sid: str) -> list[tuple[str, float]]:
            return [
                (d.isoformat(), v)
                for d, v in store.observations(sid, dt.date.fromisoformat(AS_OF))[-4:]
                if v is not None
            ]

        price, supply = last("CBBTCUSD"), dict(last("BTC_SUPPLY"))
        return {
            "readers.txt": "# one address a line\nann@example.org\nbo@example.org\n",
            "notes.md": NOTES,
            "WALCL.csv": csv("observation_date,WALCL", last("WALCL")),  # FRED downloads
            "M2SL.csv": csv("observation_date,M2SL", last("M2SL")),
            "fredgraph.csv": csv("observation_date,WRESBAL", last("WRESBAL")),
            "reserves.csv": csv("Date,Value", last("WRESBAL")),  # named with --series WRESBAL
            "btc.csv": csv("time,PriceUSD", [(f"{d}T00:00:00.000Z", v) for d, v in price]),  # Coin Metrics
            "coinmetrics_btc.csv": "time,PriceUSD,SplyCur\n"
            + "".join(f"{d},{v!r},{supply[d]!r}\n" for d, v in price if d in supply),
        }


def fred_answers(demo_store: Path) -> dict[str, FredSeries]:
    """Every FRED series the brief fetches (serve_everything has two), answered with the demo store's last values."""
    from report.sources.fred import SERIES as FRED_SERIES
    from report.store import Store

    with Store(demo_store, readonly=True) as store:
        return {
            sid: FredSeries(
                {d.isoformat(): "." if v is None else repr(v) for d, v in store.observations(sid, TODAY)[-6:]}
            )
            for sid in FRED_SERIES
        }


@dataclass
class World:
    """A sandbox with the environment its examples run in, where they run, and how many of its steps have run."""

    sandbox: Sandbox
    env: dict[str, str | None]
    cwd: Path
    done: int = 0


@pytest.fixture(scope="module")
def worlds(tmp_path_factory, demo_data_dir) -> Iterator[Callable[[str], World]]:
    """The sandbox of a name, made on first use; the servers and the patches last as long as the module."""
    made: dict[str, World] = {}
    with contextlib.ExitStack() as stack:
        mp = stack.enter_context(pytest.MonkeyPatch.context())
        # unpaced clients with one quick retry: the fake servers need no politeness (as in test_faults_fetch.py)
        client = registry.client

        def quick(spec, settings):
            c = client(spec, settings)
            c.min_interval, c.retries, c.backoff = 0.0, min(c.retries, 1), 0.01
            return c

        mp.setattr(registry, "client", quick)
        # "this week's edition" (brief build and brief run without --as-of) is the one of TODAY, in the week the
        # real-data store (a copy of the demo store) reaches: on the real clock its data would be over a year old,
        # and the quality gate would rightly hold the edition
        default_as_of = build_pipeline.default_as_of
        mp.setattr(build_pipeline, "default_as_of", lambda *, demo, today=None: default_as_of(demo=demo, today=TODAY))
        for name in [k for k in os.environ if k.startswith("BRIEF_")] + ["FRED_API_KEY", "GLASSNODE_API_KEY"]:
            mp.delenv(name, raising=False)
        http = stack.enter_context(FakeServer())
        serve_everything(http.state)
        http.state.fred.update(fred_answers(demo_data_dir / "demo.sqlite"))
        smtp = stack.enter_context(SmtpServer(tmp_path_factory.mktemp("smtp"), starttls=False))
        env: dict[str, str | None] = {
            "BRIEF_HTTP_TIMEOUT": "5",
            "FRED_API_KEY": GOOD_KEY,
            "BRIEF_FRED_URL": f"{http.url}/fred",
            **{f"BRIEF_{p}_URL": http.url for p in ("MEMPOOL", "COINGECKO", "BGEOMETRICS", "GLASSNODE", "COINMETRICS")},
            "BRIEF_SMTP_HOST": "127.0.0.1",
            "BRIEF_SMTP_PORT": str(smtp.port),
            "BRIEF_SMTP_SECURITY": "plain",
            "BRIEF_SMTP_USER": USER,
            "BRIEF_SMTP_PASSWORD": PASSWORD,
            "BRIEF_SEND_PACE": "0",
        }

        def world(name: str) -> World:
            if name not in made:
                root = tmp_path_factory.mktemp(f"sandbox-{name}")
                data = root / "data"
                data.mkdir()
                shutil.copy(demo_data_dir / "demo.sqlite", data / "demo.sqlite")
                shutil.copy(demo_data_dir / "demo.sqlite", data / "brief.sqlite")  # the "real data" to build from
                for file, text in input_files(data / "demo.sqlite").items():
                    (root / file).write_text(text, encoding="utf-8")
                (root / "docs" / "examples").mkdir(parents=True)
                shutil.copy(REPO / "docs" / "examples" / "reference-week.md", root / "docs" / "examples")
                (root / "home").mkdir()
                made[name] = World(
                    Sandbox(root), {**env, "HOME": str(root / "home"), "BRIEF_DATA_DIR": str(data)}, root
                )
            return made[name]

        yield world


# --- running an example -----------------------------------------------------------------------------------------
def invocation(world: World, command: str) -> tuple[dict[str, str | None], list[str]]:
    """The environment and arguments ``command`` runs with, as a shell would run it in the sandbox: SUBSTITUTIONS
    made, the leading NAME=value words in the environment, ~ the sandbox's home."""
    words = [SUBSTITUTIONS[w][0](world.sandbox) if w in SUBSTITUTIONS else w for w in shlex.split(command)]
    env = dict(world.env)
    while words[0] != "brief":
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    home = str(world.sandbox.home)
    return env, [home + w[1:] if w == "~" or w.startswith("~/") else w for w in words[1:]]


def run(world: World, step: Step, monkeypatch: pytest.MonkeyPatch) -> Result | None:
    """Run one step; None for one that is not run (`cd`, and `brief preview`, which is only parsed)."""
    if step.cd:
        world.cwd = Path(str(world.sandbox.home) + step.cd[1:] if step.cd.startswith("~") else step.cd)
        return None
    env, args = invocation(world, step.command)
    if args[:1] == ["preview"]:
        # brief preview serves until Ctrl-C: here its arguments are only parsed; tests/test_preview.py runs it
        cli.commands["preview"].make_context("preview", args[1:])
        return None
    cwd = world.cwd
    if step.command in EMPTY_FOLDER:
        cwd = world.sandbox.root / "empty"
        cwd.mkdir(exist_ok=True)
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, args, env=env)
    if (after := AFTER.get((step.sandbox, step.command))) is not None:
        after(world.sandbox)
    return result


def describe(step: Step, r: Result, expected: int, why: str) -> str:
    crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
    tb = "".join(traceback.format_exception(r.exception)) if crashed and r.exception else ""
    return f"{step.id}\nexit code {r.exit_code}, expected {expected} {why}\n{r.output}{tb}"


def _param(i: int, step: Step):
    marks = [pytest.mark.xfail(strict=True, reason=BUGS[step.command])] if step.command in BUGS else []
    return pytest.param(i, step, id=step.id, marks=marks)


@pytest.mark.parametrize(("index", "step"), [_param(i, s) for i, s in enumerate(STEPS)])
def test_example_works_as_printed(index: int, step: Step, worlds, monkeypatch):
    world = worlds(step.sandbox)
    mine = [i for i, s in enumerate(STEPS) if s.sandbox == step.sandbox]
    for i in mine[world.done : mine.index(index)]:  # run alone: the examples before it first, unchecked
        run(world, STEPS[i], monkeypatch)
        world.done += 1
    r = run(world, step, monkeypatch)
    world.done += 1
    if r is None:
        return
    expected, why = EXIT_CODES.get(step.command, (0, ""))
    text = describe(step, r, expected, why)
    assert r.exception is None or isinstance(r.exception, SystemExit), text
    assert r.exit_code == expected, text
    assert "Traceback" not in r.output, text
    assert "No such option" not in r.output and "Try 'brief" not in r.output, text  # no usage error


# --- --help prints each example whole --------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "cmd"), [pytest.param(p, c, id=" ".join(("brief", *p))) for p, c in commands()])
def test_help_prints_every_example_on_one_line_however_narrow_the_terminal(path, cmd):
    r = CliRunner().invoke(cli, [*path, "--help"], terminal_width=60)
    assert r.exit_code == 0, r.output
    lines = {line.strip() for line in r.output.splitlines()}
    for example in epilog_examples(cmd):
        assert example in lines, f"{example!r} is not on one line of\n{r.output}"
