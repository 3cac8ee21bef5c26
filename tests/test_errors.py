"""Every failure a caller can meet is a DocgenError, and the CLI maps each kind to one exit code."""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_SAMPLE, ROOT, SAMPLES

import docgen
from docgen import errors, formatting, resources
from docgen.clauses.library import load_library
from docgen.cli import main
from docgen.errors import (
    ArgumentError,
    ConversionError,
    DocgenError,
    FormatError,
    InputError,
    InputProblem,
    OutputError,
    OutputExistsError,
    RuleError,
    TemplateError,
    exit_code,
)
from docgen.output import Document, read_versions, write_documents
from docgen.render import pdf
from docgen.render.docx import render_docx

PACKAGE_INFO = {"title": "t", "author": "a", "subject": "s", "keywords": "k"}


# --- the mapping -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("error,code", [
    (None, 0),
    (RuleError([]), 1),
    (InputError([InputProblem("lead.name", "牵头单位.名称", "不能为空")]), 2),
    (ArgumentError("x"), 2),
    (FormatError("x"), 2),
    (OutputExistsError("x"), 3),
    (OutputError(Path("out"), "x"), 3),
    (ConversionError("x"), 3),
    (TemplateError("x"), 3),
    (DocgenError("x"), 3),
], ids=lambda v: type(v).__name__ if not isinstance(v, int) else str(v))
def test_exit_code_of_each_error(error: DocgenError | None, code: int) -> None:
    assert exit_code(error) == code


def test_exit_codes_are_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "docgen.errors.exit_code"):
        assert line in readme


# --- formatting, arguments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: formatting.money(Decimal("-1")),
    lambda: formatting.yuan("abc"),
    lambda: formatting.percent("NaN"),
    lambda: formatting.cn_number(1.5),  # type: ignore[arg-type]
    lambda: formatting.cn_number(-3),
])
def test_formatting_raises_format_error(call: object) -> None:
    with pytest.raises(FormatError) as caught:
        call()  # type: ignore[operator]
    assert isinstance(caught.value, DocgenError) and isinstance(caught.value, ValueError)


def test_merging_nothing_is_an_argument_error() -> None:
    with pytest.raises(ArgumentError, match="没有可合并"):
        pdf.package([], **PACKAGE_INFO)


# --- output -----------------------------------------------------------------------------------------------

def test_duplicate_file_names_are_an_output_error(tmp_path: Path) -> None:
    docs = [Document("commitment", "a.docx", b"1"), Document("commitment", "a.docx", b"2")]
    with pytest.raises(OutputError, match=r"文件名重复：a\.docx") as caught:
        write_documents(tmp_path / "out", docs, "abc")
    assert caught.value.path == tmp_path / "out"
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_an_output_error_with_path_and_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        write_documents(blocker / "out", [Document("plan", "b.docx", b"2")], "abc")
    assert caught.value.path == blocker / "out"
    assert "写入失败" in caught.value.reason and str(blocker / "out") in str(caught.value)
    with pytest.raises(OutputError) as written:
        pdf._write_atomically(blocker / "x.pdf", b"%PDF")
    assert written.value.path == blocker / "x.pdf" and written.value.reason


def test_unreadable_pdf_to_merge_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="读取失败") as caught:
        pdf.build_package([tmp_path / "missing.pdf"], tmp_path / "package.pdf", **PACKAGE_INFO)
    assert caught.value.path == tmp_path / "missing.pdf"


def _manifest(folder: Path, data: object) -> None:
    folder.mkdir(parents=True)
    text = data if isinstance(data, str) else json.dumps(data)
    (folder / "manifest.json").write_text(text, encoding="utf-8")


def test_read_versions_reports_unreadable_manifests(tmp_path: Path) -> None:
    _manifest(tmp_path / "render-run", {"documents": [{"kind": "agreement"}]})  # another kind of run
    _manifest(tmp_path / "补充协议第一号", {"serial": 1, "documents": [{"kind": "supplement"}]})
    assert [v["serial"] for v in read_versions(tmp_path)] == [1]
    _manifest(tmp_path / "补充协议第二号", "{not json")
    with pytest.raises(OutputError, match="无法确定补充协议的编号") as caught:
        read_versions(tmp_path)
    assert caught.value.path == tmp_path / "补充协议第二号" / "manifest.json"
    (tmp_path / "补充协议第二号" / "manifest.json").write_text(
        json.dumps({"documents": [{"kind": "supplement"}]}), encoding="utf-8")
    with pytest.raises(OutputError, match="serial"):
        read_versions(tmp_path)


# --- resources, templates, clause library -----------------------------------------------------------

def test_missing_resources_are_template_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "pkg")
    with pytest.raises(TemplateError, match="clauses"):
        resources.clauses_dir()
    with pytest.raises(TemplateError, match=r"missing\.docx"):
        render_docx(tmp_path / "missing.docx", {})
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match=r"broken\.docx"):
        render_docx(tmp_path / "broken.docx", {})


def test_clause_library_problems_are_template_errors(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="找不到条款库目录"):
        load_library(tmp_path / "nowhere")
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(TemplateError, match=r"bad\.yaml：无法读取"):
        load_library(tmp_path)


def test_supplement_lookups_fail_with_docgen_errors() -> None:
    from docgen.drafting import supplement
    from docgen.input.model import Unit
    from docgen.rules.change import diff

    with pytest.raises(InputError, match="91370200000000000X"):
        supplement._name({}, "91370200000000000X")
    v1, v2 = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    change = supplement.prepare_change(diff(v1, v2), load_library())
    stranger: Unit = v1.lead.model_copy(update={"credit_code": "not-a-party"})
    with pytest.raises(TemplateError, match="不是补充协议的签约方"):
        change.designation(stranger)


# --- no stray exceptions in the source ----------------------------------------------------------------

def _docgen_errors() -> set[str]:
    return {name for name, value in vars(errors).items()
            if isinstance(value, type) and issubclass(value, DocgenError)}


def _allowed(raise_name: str, function: ast.FunctionDef | None, module: str) -> bool:
    if raise_name in _docgen_errors():
        return True
    if module.startswith("docgen/service/") and raise_name in {"Problem", "BodyTooLarge"}:
        return True  # the service's HTTP problems (DocgenError subclasses), answered as problem+json
    if module in {"docgen/render/_docx_fast.py", "docgen/render/docx.py"} and raise_name == "Unsupported":
        return True  # internal: caught by render_docx, which falls back to docxtpl
    if function is not None and raise_name == "ValueError":
        # pydantic validators: pydantic turns the ValueError into an InputError / TemplateError problem
        decorators = {ast.unparse(d).split("(")[0] for d in function.decorator_list}
        return bool(decorators & {"model_validator", "field_validator"}) or function.name.startswith("_valid_")
    return function is not None and function.name == "__getattr__" and raise_name == "AttributeError"


def test_docgen_raises_only_docgen_errors_and_never_asserts() -> None:
    offences = []
    for path in sorted((ROOT / "docgen").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents: dict[ast.AST, ast.AST] = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                offences.append(f"{module}:{node.lineno} assert")
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Attribute) and target.attr == "from_os":
                target = target.value  # OutputError.from_os(...)
            name = ast.unparse(target).split(".")[-1]
            if name in {"exc", "error"}:
                continue  # re-raising a caught DocgenError
            scope: ast.AST | None = parents.get(node)
            while scope is not None and not isinstance(scope, ast.FunctionDef):
                scope = parents.get(scope)
            if not _allowed(name, scope, module):
                offences.append(f"{module}:{node.lineno} raise {name}")
    assert offences == [], "\n".join(offences)


# --- the command line ----------------------------------------------------------------------------------

def test_cli_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(BASE_SAMPLE)]).exit_code == 0
    assert runner.invoke(main, ["check", str(SAMPLES / "invalid" / "no-head.yaml")]).exit_code == 1
    assert runner.invoke(main, ["check", str(SAMPLES / "invalid" / "malformed.yaml")]).exit_code == 2
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    unwritable = runner.invoke(main, ["render", str(BASE_SAMPLE), "-o", str(blocker / "out")])
    assert unwritable.exit_code == 3 and "写入失败" in unwritable.output
    assert runner.invoke(main, ["init", str(blocker / "x.yaml")]).exit_code == 3

    def no_soffice() -> str:
        raise ConversionError("找不到 LibreOffice（soffice）")

    monkeypatch.setattr(pdf, "soffice_path", no_soffice)
    conversion = runner.invoke(main, ["render", str(BASE_SAMPLE), "-o", str(tmp_path / "pdf"), "--pdf"])
    assert conversion.exit_code == 3 and "LibreOffice" in conversion.output
    assert not (tmp_path / "pdf").exists()
