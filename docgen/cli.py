"""The ``docgen`` command: a thin shell over the public API.

Exit codes (``docgen.errors.exit_code``, the table in README.md): 0 success; 1 rule findings (rule
errors, clause-library problems, files differing from their manifest); 2 unreadable or invalid input
(every problem listed); 3 output or conversion failure (an existing output, a file that cannot be
written, LibreOffice, a template defect).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

import docgen
from docgen.errors import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OUTPUT,
    ArgumentError,
    DocgenError,
    InputError,
    InputProblem,
    OutputError,
    OutputExistsError,
    RuleError,
    exit_code,
)
from docgen.rules.guideline import Finding, for_document, has_errors

if TYPE_CHECKING:
    from rich.console import Console


class _Console:
    """rich's Console, created at the first message that needs it: importing rich costs about a tenth
    of a cold ``docgen render``, whose only message is plain text. A message without markup, emoji
    codes or options (no "[" and no ":") is written as rich would write it: the text and a newline."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def rich(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console

    def print(self, text: str, **options: Any) -> None:
        if options or "[" in text or ":" in text:
            self.rich.print(text, **options)
            return
        stream = sys.stderr if self._stderr else sys.stdout
        stream.write(text + "\n")
        stream.flush()


_out = _Console()
_err = _Console(stderr=True)

EXIT_RULES = EXIT_FINDINGS


def _print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        style = "red" if finding.severity == "error" else "yellow"
        _out.print(f"[{style}]{finding}[/{style}]", markup=True)


def _fail(exc: DocgenError) -> NoReturn:
    """Print exc and exit with its code (``exit_code``); InputError lists every problem."""
    if isinstance(exc, RuleError):
        _print_findings(exc.findings)
        _err.print(f"检查未通过：{sum(f.severity == 'error' for f in exc.findings)}项错误，未生成任何文件。")
    else:
        _err.print(str(exc), markup=False)
    sys.exit(exit_code(exc))


class _Commands(click.Group):
    """The command group: any DocgenError a command lets through is printed and mapped to its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DocgenError as exc:
            _fail(exc)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(docgen.__version__, prog_name="docgen")
def main() -> None:
    """Draft the documents of a Qingdao innovation consortium (创新联合体) from a YAML or JSON file."""


@main.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--for", "scope", type=click.Choice(["all", "agreement", "plan"]), default="all", show_default=True,
              help="Only the rules the given documents need (the plan prose is needed by the plan only).")
def check_command(file: Path, as_json: bool, scope: str) -> None:
    """Check FILE against the guideline. Exit 0: no errors; 1: rule errors; 2: invalid input."""
    try:
        consortium = docgen.load(file)
    except InputError as exc:
        if as_json:
            problems = [{"path": p.path, "label": p.label, "message": p.message, "line": p.line}
                        for p in exc.problems]
            found = [f.as_dict() for f in for_document(exc.findings, scope)]
            click.echo(json.dumps({"input_errors": problems, "findings": found}, ensure_ascii=False, indent=2))
            sys.exit(EXIT_INPUT)
        _fail(exc)
    findings = for_document(docgen.check(consortium), scope)
    if as_json:
        click.echo(json.dumps({"findings": [f.as_dict() for f in findings]}, ensure_ascii=False, indent=2))
    else:
        _print_findings(findings)
        errors = sum(f.severity == "error" for f in findings)
        _out.print(f"{file}：{errors}项错误，{len(findings) - errors}项提示。")
    sys.exit(EXIT_RULES if has_errors(findings) else 0)


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the input."""
    click.echo(json.dumps(docgen.schema(), ensure_ascii=False, indent=2))


@main.command("init")
@click.argument("path", type=click.Path(path_type=Path), default="consortium.yaml")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init_command(path: Path, force: bool) -> None:
    """Write a commented starter YAML to PATH (default consortium.yaml)."""
    from docgen.input.starter import starter_text

    if path.is_symlink():
        _fail(OutputError(path, "是符号链接，docgen 不会跟随它写入"))
    if path.exists() and not force:
        _fail(OutputExistsError(f"{path} 已存在，未写入（如需覆盖请使用 --force）。"))
    try:
        _write_new(path, starter_text().encode("utf-8"))
    except OSError as exc:
        _fail(OutputError.from_os(path, exc))
    _out.print(f"已写入 {path}。填写后运行：docgen check {path}")


def _write_output(path: Path, data: bytes, force: bool) -> None:
    """Write data to path like ``init`` does: never through a symlink, never over a file without force."""
    if path.is_symlink():
        _fail(OutputError(path, "是符号链接，docgen 不会跟随它写入"))
    if path.exists() and not force:
        _fail(OutputExistsError(f"{path} 已存在，未写入（如需覆盖请使用 --force）。"))
    try:
        _write_new(path, data)
    except OSError as exc:
        _fail(OutputError.from_os(path, exc))


@main.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_path", required=True, type=click.Path(path_type=Path), help="The YAML to write.")
@click.option("--base", type=click.Path(path_type=Path),
              help="An input whose other parts (goals, mechanisms, dispute …) the YAML keeps.")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def import_command(workbook: Path, out_path: Path, base: Path | None, force: bool) -> None:
    """Import the lead unit, members, tasks, task budgets and funding from an .xlsx workbook (the template
    from `docgen export --template`) into a YAML input. Every problem names its sheet, row and column."""
    import yaml

    from docgen.input.spreadsheet import read_workbook

    base_data = docgen.load(base).model_dump(mode="json", exclude_defaults=True) if base else None
    try:
        source = workbook.read_bytes()
    except OSError as exc:
        _fail(InputError([InputProblem("", "工作簿", f"无法读取：{exc.strerror}")], str(workbook)))
    data = read_workbook(source, base_data, name=str(workbook))
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    _write_output(out_path, text.encode("utf-8"), force)
    if base is None:
        _out.print(f"已写入 {out_path}（成员单位、攻关任务和经费）。其余内容请补充后运行：docgen check {out_path}；"
                   "或用 --base 指定已有输入，合并其余内容。")
    else:
        _out.print(f"已写入 {out_path}（{base} 的其余内容已保留）。下一步：docgen check {out_path}")


@main.command("export")
@click.argument("input_file", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_path", required=True, type=click.Path(path_type=Path), help="The .xlsx to write.")
@click.option("--template", is_flag=True, help="Write the empty template workbook (no INPUT_FILE).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def export_command(input_file: Path | None, out_path: Path, template: bool, force: bool) -> None:
    """Export the lead unit, members, tasks, task budgets and funding of INPUT_FILE to an .xlsx workbook,
    or with --template the empty workbook with Chinese headers and drop-down lists."""
    from docgen.input.spreadsheet import write_workbook

    if (input_file is None) == (not template):
        _fail(ArgumentError("请指定一个输入文件，或使用 --template 导出空白模板（二者选一）"))
    data = write_workbook(docgen.load(input_file) if input_file else None)
    _write_output(out_path, data, force)
    _out.print(f"已写入 {out_path}")


def _write_new(path: Path, data: bytes) -> None:
    """Write data to path through a new file beside it (never through a symlink), then rename it over path."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _inputs(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json")))
        else:
            files.append(path)
    return files


@main.command("render")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Output folder; with several inputs, one sub-folder per input.")
@click.option("--draft", is_flag=True, help="Render despite rule errors; every page is marked 草稿.")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.option("--pdf", is_flag=True, help="Also write PDFs (LibreOffice) and the merged filing package.")
@click.option("--review", is_flag=True,
              help="Also write the reviewer's edition (审阅本): a Word comment on every article, not for signing.")
@click.option("--for", "scope", type=click.Choice(["all", "agreement", "plan"]), default="all", show_default=True,
              help="agreement: the agreement, commitments and compliance table, without the plan; plan: the plan.")
def render_command(inputs: tuple[Path, ...], out_dir: Path, draft: bool, force: bool, pdf: bool,
                   review: bool, scope: str) -> None:
    """Render the documents of each input file (or every .yaml/.json in a folder)."""
    files = _inputs(inputs)
    if not files:
        _err.print("没有找到输入文件（.yaml、.yml 或 .json）。")
        sys.exit(EXIT_INPUT)
    # Load and check everything first, so that one bad input stops the run before anything is written.
    jobs: list[tuple[Path, docgen.Consortium, list[Finding], Path, str]] = []
    for file in files:
        try:
            consortium = docgen.load(file)
        except InputError as exc:
            _fail(exc)
        findings = docgen.check(consortium)
        if has_errors(for_document(findings, scope)) and not draft:
            _out.print(f"{file}：")
            _fail(RuleError(for_document(findings, scope)))
        target = out_dir if len(files) == 1 else out_dir / file.stem
        clash = next((other for other, _c, _f, folder, _d in jobs if folder.name.casefold() == target.name.casefold()
                      and len(files) > 1), None)
        if clash is not None:
            _fail(OutputError(target, f"{clash} 与 {file} 的文件名相同，会写入同一个文件夹；"
                                      "请改名后再生成，未写入任何文件"))
        jobs.append((file, consortium, findings, target, docgen.input_digest(consortium)))
    try:
        if len(jobs) == 1:
            _file, consortium, findings, target, digest = jobs[0]
            manifest = docgen.render_to(consortium, target, draft=draft, overwrite=force, input_sha256=digest,
                                        pdf=pdf, review=review, findings=findings, scope=scope)
            _out.print(f"已生成 {manifest.parent}（清单 {manifest.name}）")
            return
        # Several inputs: render everything in memory and look for existing files in every target
        # before writing any, so a refusal leaves no input half-done.
        from docgen.documents import render_record, run_documents
        from docgen.output import commit, contents_of, locked_root, refuse_existing

        rendered = []
        consortium_of = {target: consortium for _file, consortium, _findings, target, _digest in jobs}
        from rich.progress import Progress

        with Progress(console=_err.rich, transient=True) as progress:
            task = progress.add_task("生成文件", total=len(jobs))
            for _file, consortium, findings, target, digest in jobs:
                rendered.append((target, run_documents(consortium, draft=draft, pdf=pdf, review=review,
                                                       findings=findings, scope=scope), digest))
                progress.advance(task)
        with locked_root(out_dir) as root:
            if not force:
                for target, documents, _ in rendered:
                    refuse_existing(target, documents)
            for target, documents, digest in rendered:
                extra = render_record(consortium_of[target], draft=draft, pdf=pdf, review=review, scope=scope)
                commit(root, target.name, contents_of(documents, digest, extra), overwrite=force)
                _out.print(f"已生成 {target}")
    except DocgenError as exc:
        _fail(exc)


@main.command("change")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of the consortium's change versions; each run adds 补充协议第N号/.")
@click.option("--draft", is_flag=True, help="Tolerate rule errors of either version; pages marked 草稿.")
@click.option("--pdf", is_flag=True, help="Also write PDFs (LibreOffice) and a merged package.")
def change_command(old: Path, new: Path, out_dir: Path, draft: bool, pdf: bool) -> None:
    """Draft the supplementary agreement (补充协议) for the change from OLD to NEW, with the consolidated
    agreement, updated plan and commitments, and the 修订对照表, in a new version folder under OUT."""
    from docgen.documents import change_run

    try:
        before, after = docgen.load(old), docgen.load(new)
    except InputError as exc:
        _fail(exc)
    try:
        manifest, findings = change_run(before, after, out_dir, draft=draft, pdf=pdf)
    except DocgenError as exc:
        _fail(exc)
    _print_findings([f for f in findings if f.severity == "warning"])
    for warning in json.loads(manifest.read_text(encoding="utf-8")).get("warnings", []):
        _err.print(f"[yellow]注意：{warning}[/yellow]", markup=True)
    _out.print(f"已生成 {manifest.parent}（清单 {manifest.name}）")


@main.command("verify")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--manifest", "manifest_path", type=click.Path(path_type=Path),
              help="With a single file: the manifest.json that lists it.")
def verify_command(target: Path, manifest_path: Path | None) -> None:
    """Check a run folder (or one file with --manifest) against its manifest.json: every hash, and for
    an edited .docx the paragraphs changed outside docgen. Exit 1 on any difference."""
    from docgen.verify import verify_file, verify_folder

    try:
        if manifest_path is not None:
            checks = [verify_file(target, manifest_path)]
        elif target.is_dir():
            checks = verify_folder(target)
        else:
            _err.print(f"{target} 不是文件夹；核验单个文件请用 --manifest 指明其清单。")
            sys.exit(EXIT_INPUT)
    except DocgenError as exc:
        _fail(exc)
    labels = {"ok": "一致", "changed": "已被修改", "missing": "缺失"}
    for check in checks:
        style = "green" if check.status == "ok" else "red"
        _out.print(f"[{style}]{labels[check.status]}[/{style}]　{check.path}", markup=True, highlight=False)
        for line in check.edits:
            _out.print(f"    {line}", markup=False, highlight=False)
    differing = sum(check.status != "ok" for check in checks)
    _out.print(f"核验{len(checks)}个文件：{len(checks) - differing}个与清单一致，{differing}个不一致。")
    sys.exit(EXIT_RULES if differing else 0)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 in a container).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int,
              help="Worker processes; each drafts on its own and keeps its own LibreOffice for PDFs.")
def serve_command(host: str, port: int, workers: int) -> None:
    """Run the HTTP service: /v1/check, /v1/render, /v1/change, /v1/schema, /v1/clauses, /healthz, the
    OpenAPI document at /openapi.json (docs at /docs) and the web page at /. Limits come from DOCGEN_*
    environment variables (see docgen.service.settings)."""
    try:
        import uvicorn

        import docgen.service.app  # noqa: F401  (fails early when the service extra is missing)
    except ImportError as exc:
        _err.print(f"docgen serve 需要 service 组件（{exc.name} 未安装）：pip install 'docgen[service]'")
        sys.exit(EXIT_OUTPUT)  # like a missing LibreOffice: a component to install
    uvicorn.run("docgen.service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False)


@main.command("clauses")
@click.option("--lint", is_flag=True, help="Check the clause library; exit 1 on any problem.")
def clauses_command(lint: bool) -> None:
    """List the clauses and their variants, or lint the library."""
    from docgen.clauses.library import load_library
    from docgen.clauses.lint import lint_library, lint_phrases, lint_supplement
    from docgen.resources import clauses_dir

    try:
        library = load_library()
        supplement = load_library(clauses_dir() / "supplement")
    except DocgenError as exc:
        _fail(exc)
    if lint:
        problems = lint_library(library) + lint_supplement(library, supplement) + lint_phrases()
        for problem in problems:
            _out.print(f"- {problem}", markup=False)
        count = len(library.clauses) + len(supplement.clauses)
        _out.print(f"条款库检查：{count}条条款，{len(problems)}处问题。")
        sys.exit(EXIT_RULES if problems else 0)
    for heading, lib in (("组建协议", library), ("补充协议", supplement)):
        _out.print(f"【{heading}】", markup=False)
        for clause in lib.clauses:
            _out.print(f"{clause.id}  {clause.title}  v{clause.version}  〔{clause.chapter}〕", markup=False)
            for variant in clause.variants:
                mark = "（默认）" if variant.default else ""
                _out.print(f"    {variant.key}：{variant.label}{mark}", markup=False)


if __name__ == "__main__":  # pragma: no cover
    main()
