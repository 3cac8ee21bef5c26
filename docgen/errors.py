"""The exceptions docgen raises.

Hierarchy::

    DocgenError                  base; ``code`` is stable, ``str()`` is a Chinese message
    ├── InputError               the input cannot be read or does not fit the model (every problem listed)
    ├── RuleError                the input loads but breaks guideline rules (carries the findings)
    ├── TemplateError            a clause or template defect (names the clause or template)
    ├── ConversionError          PDF conversion failed
    ├── OutputExistsError        an output file exists and overwriting was not asked for
    ├── OutputError              reading or writing an output file failed (``path``, ``reason``)
    └── ArgumentError            a function was given a value it cannot use (also a ``ValueError``)
        └── FormatError          a value cannot be formatted (a negative amount, a non-integer numeral)

``exit_code`` is the one mapping from an error to the CLI's exit code: 0 success, 1 rule findings,
2 bad input, 3 output or conversion failure (see the table in README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docgen.rules.guideline import Finding

__all__ = [
    "EXIT_FINDINGS", "EXIT_INPUT", "EXIT_OK", "EXIT_OUTPUT", "ArgumentError", "ConversionError", "DocgenError",
    "FormatError", "InputError", "InputProblem", "OutputError", "OutputExistsError", "RuleError", "TemplateError",
    "exit_code",
]


class DocgenError(Exception):
    """Base of every error docgen raises on purpose."""

    code = "DOCGEN_ERROR"


@dataclass(frozen=True)
class InputProblem:
    """One problem with the input: where it is and what is wrong."""

    path: str        # English path, e.g. "members[2].credit_code"
    label: str       # Chinese label path, e.g. "成员单位[3].统一社会信用代码"
    message: str     # Chinese message
    line: int | None = None  # 1-based line in the YAML/JSON file, where known
    value: str | None = field(default=None, compare=False, repr=False)  # the text given, where it was text

    def __str__(self) -> str:
        where = f"第{self.line}行 " if self.line else ""
        return f"{where}{self.label}（{self.path}）：{self.message}"


class InputError(DocgenError):
    """The input could not be read or does not fit the model; ``problems`` lists every problem."""

    code = "INPUT_ERROR"

    def __init__(self, problems: list[InputProblem], source: str | None = None,
                 findings: list[Finding] | None = None) -> None:
        self.problems = problems
        self.source = source
        # the guideline findings on the fields that did load (docgen.input.loading runs the rules anyway)
        # None: the rules could not run on this input (a required field is wrong), see ``rules_checked``
        self.findings = list(findings or [])
        self.rules_checked = findings is not None
        head = f"输入文件 {source} 有{len(problems)}处问题" if source else f"输入有{len(problems)}处问题"
        text = head + "：\n" + "\n".join(f"  - {p}" for p in problems)
        errors = [f for f in self.findings if f.severity == "error"]
        if errors:
            text += f"\n另有{len(errors)}项不符合组建要求：\n" + "\n".join(f"  - {f}" for f in errors)
        elif not self.rules_checked and problems and problems[0].path:
            text += "\n（上述问题更正后，才能检查其余组建要求。）"
        super().__init__(text)


class RuleError(DocgenError):
    """The consortium breaks rules that block drafting; ``findings`` holds them all."""

    code = "RULE_ERROR"

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        super().__init__(
            f"检查未通过，有{len(errors)}项错误：\n" + "\n".join(f"  - {f}" for f in errors)
        )


class TemplateError(DocgenError):
    """A clause or template is defective; the message names the clause id or template."""

    code = "TEMPLATE_ERROR"


class ConversionError(DocgenError):
    """Converting a document to PDF failed."""

    code = "CONVERSION_ERROR"


class OutputExistsError(DocgenError):
    """An output file already exists and docgen was not asked to overwrite it."""

    code = "OUTPUT_EXISTS"


class OutputError(DocgenError):
    """Reading or writing an output file or folder failed; ``path`` names it and ``reason`` says why."""

    code = "OUTPUT_ERROR"

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}：{reason}")

    @classmethod
    def from_os(cls, path: Path, exc: OSError, doing: str = "写入失败") -> OutputError:
        """Return the error for an OSError met while reading or writing path (doing: 写入失败, 读取失败…)."""
        return cls(Path(path), f"{doing}（{exc.strerror or exc}）")


class ArgumentError(DocgenError, ValueError):
    """A docgen function was given a value it cannot use (e.g. an empty list of PDFs to merge)."""

    code = "ARGUMENT_ERROR"


class FormatError(ArgumentError):
    """A value cannot be put into Chinese form (a negative amount of money, a non-integer numeral)."""

    code = "FORMAT_ERROR"


EXIT_OK = 0        # success
EXIT_FINDINGS = 1  # rule errors (check, render, change), clause-library problems, files differing from a manifest
EXIT_INPUT = 2     # the input cannot be read or is invalid; a bad argument
EXIT_OUTPUT = 3    # output: a file exists, cannot be written or read back; PDF conversion; a template defect


def exit_code(error: DocgenError | None) -> int:
    """Return the CLI exit code for error (None: success)."""
    if error is None:
        return EXIT_OK
    if isinstance(error, RuleError):
        return EXIT_FINDINGS
    if isinstance(error, InputError | ArgumentError):
        return EXIT_INPUT
    return EXIT_OUTPUT
