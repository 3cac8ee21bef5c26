"""docgen drafts the legal documents of a Qingdao innovation consortium (创新联合体).

Data flows one way: ``load`` (YAML/JSON → model) → ``check`` (guideline rules → findings) →
``render_*`` (clause library + template → .docx bytes) → ``render_to`` (files + manifest.json).
"""

from docgen.changes import ChangeSet, check_change, diff
from docgen.documents import (
    input_digest, render_agreement, render_change, render_commitments, render_plan, render_to,
)
from docgen.errors import (
    ConversionError, DocgenError, InputError, InputProblem, OutputExistsError, RuleError, TemplateError,
)
from docgen.loading import load, parse
from docgen.models import Consortium
from docgen.rules import Finding, check


def schema() -> dict[str, object]:
    """Return the JSON Schema of the input (draft 2020-12), with Chinese titles on every field."""
    return Consortium.model_json_schema()


__all__ = [
    "ChangeSet", "check_change", "diff", "render_change",
    "Consortium", "ConversionError", "DocgenError", "Finding", "InputError", "InputProblem",
    "OutputExistsError", "RuleError", "TemplateError", "check", "input_digest", "load", "parse",
    "render_agreement", "render_commitments", "render_plan", "render_to", "schema",
]
__version__ = "0.1.0"
