"""Convert .docx Documents to PDF with headless LibreOffice and merge them into one filing package.

``convert`` starts LibreOffice once for a whole list of documents, with a private user profile and
docgen's fontconfig file (templates/fonts/fonts.conf, which maps 宋体/仿宋/黑体 … to Noto CJK SC).
``package`` merges PDFs with pypdf: one bookmark per document, the metadata, and for a draft a
diagonal 草稿 watermark (templates/fonts/draft-watermark.pdf, text in an embedded Noto Serif CJK SC
subset) on every page. ``to_pdf`` and ``build_package`` are the same on files. Nothing here fails
silently: a missing LibreOffice, a timeout or a missing PDF raises ConversionError.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, NameObject

from docgen.constants import DocumentKind
from docgen.errors import ArgumentError, ConversionError, OutputError, OutputExistsError
from docgen.output import Document
from docgen.render import warm
from docgen.resources import templates_dir

__all__ = [
    "APT_PACKAGES", "build_package", "convert", "document_title", "fonts_conf", "package", "soffice_path",
    "to_pdf", "watermark_pdf",
]

APT_PACKAGES = "libreoffice-writer-nogui fonts-noto-cjk poppler-utils"
INSTALL_HINT = f"apt-get install --no-install-recommends {APT_PACKAGES}"
PACKAGE_KIND = DocumentKind.PACKAGE_PDF

# Where LibreOffice may live when it is not on PATH (the macOS application bundle).
_KNOWN_SOFFICE = (Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),)
# The watermark's width as a share of the page diagonal it lies on.
_WATERMARK_SHARE = 0.55
# How much of soffice's output an error message quotes.
_OUTPUT_TAIL = 2000


# --- locating LibreOffice and the font configuration -------------------------------------------------

def soffice_path() -> str:
    """Return the soffice executable; raise ConversionError naming the packages to install."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _KNOWN_SOFFICE:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise ConversionError(
        "找不到 LibreOffice（soffice），无法生成 PDF。请先安装：" + INSTALL_HINT
        + "（fonts-noto-cjk 提供中文字体，poppler-utils 提供 pdffonts 等检查工具）"
    )


def fonts_conf() -> Path:
    """Return docgen's fontconfig file (templates/fonts/fonts.conf) that maps the template fonts to Noto CJK SC."""
    return _fonts_dir() / "fonts.conf"


def watermark_pdf() -> Path:
    """Return the one-page PDF holding the 草稿 watermark (templates/fonts/draft-watermark.pdf)."""
    return _fonts_dir() / "draft-watermark.pdf"


def _fonts_dir() -> Path:
    folder = templates_dir().parent / "fonts"
    if not folder.is_dir():
        raise ConversionError(f"docgen 找不到字体配置目录 {folder}（安装不完整？）")
    return folder


# --- conversion -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    """One soffice run: where its profile, inputs and outputs live, and the input of each document."""

    profile: Path
    outdir: Path
    inputs: list[Path]

    def output(self, index: int) -> Path:
        """Return where soffice writes the PDF of inputs[index]."""
        return self.outdir / (self.inputs[index].stem + ".pdf")


def convert(documents: list[Document], *, timeout: float = 300) -> list[Document]:
    """Return a PDF Document for each .docx Document, converting all of them with one LibreOffice start.

    The PDFs keep the order, kind, template and clauses of their sources; each file name ends in .pdf
    instead of .docx (folders kept, e.g. 诚信承诺书/01-….pdf). Raise ConversionError if LibreOffice is
    missing, fails, exceeds timeout seconds, or leaves any PDF missing or empty.
    """
    not_docx = [d.filename for d in documents if PurePosixPath(d.filename).suffix.lower() != ".docx"]
    if not_docx:
        raise ConversionError("只能把 .docx 文件转换为 PDF，以下文件不是：" + "、".join(not_docx))
    if not documents:
        return []
    executable = soffice_path()
    remove_stale_workdirs()
    try:
        with tempfile.TemporaryDirectory(prefix=f"{_WORKDIR_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True) as tmp:
            job = _prepare(Path(tmp), documents)
            office = warm.current()  # the service's LibreOffice kept running, if any
            if office is not None:
                office.convert(job.inputs, job.outdir, timeout)
                stderr = ""
            else:
                stderr = _run_soffice(executable, job, timeout)
            pdfs = _collect(job, documents, stderr)
    except OSError as exc:
        raise ConversionError(f"PDF 转换的临时文件读写失败：{exc}") from exc
    return [Document(d.kind, _pdf_name(d.filename), data, d.template, dict(d.clauses))
            for d, data in zip(documents, pdfs, strict=False)]


def _pdf_name(filename: str) -> str:
    """Return filename with its .docx suffix replaced by .pdf."""
    return str(PurePosixPath(filename).with_suffix(".pdf"))


def _prepare(tmp: Path, documents: list[Document]) -> _Job:
    """Return the job for documents, their bytes written under tmp as 001.docx, 002.docx, ….

    Numbered ASCII names keep two documents with the same base name in different folders (诚信承诺书/…)
    apart and keep non-ASCII names off soffice's command line.
    """
    job = _Job(profile=tmp / "profile", outdir=tmp / "out",
               inputs=[tmp / "in" / f"{i:03d}.docx" for i in range(1, len(documents) + 1)])
    job.inputs[0].parent.mkdir()
    job.outdir.mkdir()
    for path, document in zip(job.inputs, documents, strict=False):
        path.write_bytes(document.data)
    return job


def _command(executable: str, job: _Job) -> list[str]:
    """Return soffice's command line: headless, a private profile, every input in one call."""
    return [executable, f"-env:UserInstallation={job.profile.as_uri()}", "--headless", "--norestore",
            "--nolockcheck", "--nodefault", "--convert-to", "pdf:writer_pdf_Export",
            "--outdir", str(job.outdir), *map(str, job.inputs)]


def _environment() -> dict[str, str]:
    """Return soffice's environment: this process's, with FONTCONFIG_FILE pointing at docgen's fonts.conf."""
    conf = fonts_conf()
    if not conf.is_file():
        raise ConversionError(f"docgen 找不到字体配置文件 {conf}（安装不完整？）")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


_GUARD = Path(__file__).with_name("_pdf_guard.py")
_WORKDIR_PREFIX = "docgen-pdf-"


def _run_soffice(executable: str, job: _Job, timeout: float) -> str:
    """Run soffice for job and return its output; raise ConversionError on failure or timeout.

    soffice runs under a guard process (_pdf_guard.py) in a session of its own, connected to docgen by
    a pipe: when docgen stops waiting for any reason (a timeout, an exception, SIGINT, SIGTERM, SIGHUP,
    or even SIGKILL, which closes the pipe), the guard kills soffice's whole process group (oosplash and
    soffice.bin) and removes the temporary profile. While docgen waits, SIGTERM and SIGHUP raise
    SystemExit here (in the main thread), so the same clean-up runs on the way out.
    """
    workdir = job.profile.parent
    log = workdir / "soffice.log"
    command = [sys.executable, "-I", str(_GUARD), str(workdir), str(log), *_command(executable, job)]
    try:
        guard = subprocess.Popen(command, env=_environment(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise ConversionError(f"无法启动 LibreOffice（{executable}）：{exc}。可重新安装：{INSTALL_HINT}") from exc
    try:
        with _signals_raise():
            code = guard.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(guard, workdir)
        raise ConversionError(
            f"LibreOffice 转换 {len(job.inputs)} 个文件超过 {timeout:g} 秒未完成，已终止。"
        ) from None
    except BaseException:
        _stop(guard, workdir)
        raise
    finally:
        with contextlib.suppress(OSError):
            if guard.stdin is not None:
                guard.stdin.close()
    text = log.read_bytes().decode("utf-8", errors="replace").strip() if log.is_file() else ""
    if code != 0:
        raise ConversionError(f"LibreOffice 转换失败（退出码 {code}）。LibreOffice 输出：\n{_tail(text)}")
    return text


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """Within the block, make SIGTERM and SIGHUP raise SystemExit (as SIGINT raises KeyboardInterrupt), so
    that clean-up code runs; only in the main thread, where Python delivers signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, _frame: object) -> None:
        sys.exit(128 + signum)  # leave as the signal would, through every finally clause

    previous = {signum: signal.signal(signum, leave) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop(guard: subprocess.Popen[bytes], workdir: Path) -> None:
    """Stop a conversion: close the guard's pipe (it kills soffice and removes workdir), and make sure."""
    with contextlib.suppress(OSError):
        if guard.stdin is not None:
            guard.stdin.close()
    try:
        guard.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(guard.pid, signal.SIGKILL)
        guard.wait()
    with contextlib.suppress(OSError, ValueError, ProcessLookupError):  # the guard was killed: do its work
        os.killpg(int((workdir / "soffice.pid").read_text(encoding="ascii")), signal.SIGKILL)
    shutil.rmtree(workdir, ignore_errors=True)


def remove_stale_workdirs() -> list[Path]:
    """Remove the temporary folders of conversions whose docgen process no longer exists; return them."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{_WORKDIR_PREFIX}*-*"):
        owner = folder.name.removeprefix(_WORKDIR_PREFIX).split("-", 1)[0]
        if not owner.isdigit() or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except PermissionError:
            continue  # alive, another user's
    return removed


def _tail(text: str) -> str:
    """Return the end of text, short enough to quote in an error message."""
    return text[-_OUTPUT_TAIL:] if text else "（无输出）"


def _collect(job: _Job, documents: list[Document], output: str) -> list[bytes]:
    """Return the bytes of every PDF job produced; raise ConversionError naming each missing or empty one."""
    missing = []
    pdfs = []
    for index, document in enumerate(documents):
        path = job.output(index)
        data = path.read_bytes() if path.is_file() else b""
        if not data.startswith(b"%PDF"):
            missing.append(document.filename)
        pdfs.append(data)
    if missing:
        raise ConversionError(
            "LibreOffice 未生成以下文件的 PDF（或 PDF 为空）：" + "、".join(missing)
            + f"。LibreOffice 输出：\n{_tail(output)}"
        )
    return pdfs


# --- the filing package ---------------------------------------------------------------------------------

def document_title(pdf: Document) -> str:
    """Return the title of a PDF Document: its /Title metadata, else its file name without folder and suffix.

    LibreOffice copies the .docx title (组建协议's title, 诚信承诺书（单位名称）, …) into /Title.
    """
    reader = _reader(pdf)
    title = (reader.metadata.title if reader.metadata else None) or ""
    return title.strip() or PurePosixPath(pdf.filename).stem


def package(pdfs: list[Document], *, title: str, author: str, subject: str, keywords: str,
            draft: bool = False, filename: str = "备案材料.pdf") -> Document:
    """Return the merged filing package (kind "package_pdf"): the PDFs in the given order.

    It has one top-level bookmark per document (``document_title``; a document's own bookmarks
    nest under it), the metadata /Title /Author /Subject /Keywords, opens with the bookmarks shown,
    and when draft carries a diagonal light-grey 草稿 watermark on every page. Raise ConversionError
    if a PDF cannot be read.
    """
    if not pdfs:
        raise ArgumentError("没有可合并的 PDF 文件")
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(_reader(pdf), outline_item=document_title(pdf))
    if draft:
        _stamp_watermark(writer)
    writer.add_metadata({"/Title": title, "/Author": author, "/Subject": subject, "/Keywords": keywords,
                         "/Creator": "docgen"})
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    clauses = {key: value for pdf in pdfs for key, value in pdf.clauses.items()}
    return Document(PACKAGE_KIND, filename, buffer.getvalue(), "", clauses)


def page_count(pdf: Document) -> int:
    """Return the number of pages of pdf; raise ConversionError if it is not a readable PDF."""
    return len(_reader(pdf).pages)


def _reader(pdf: Document) -> PdfReader:
    """Return a reader over pdf's bytes; raise ConversionError if they are not a readable PDF."""
    try:
        return PdfReader(io.BytesIO(pdf.data))
    except (PdfReadError, ValueError, OSError) as exc:
        raise ConversionError(f"无法读取 PDF 文件 {pdf.filename}：{exc}") from exc


def _stamp_watermark(writer: PdfWriter) -> None:
    """Draw the 草稿 watermark over every page of writer, centred on the page's diagonal."""
    path = watermark_pdf()
    if not path.is_file():
        raise ConversionError(f"docgen 找不到草稿水印文件 {path}（安装不完整？）")
    mark = PdfReader(path).pages[0]
    for page in writer.pages:
        _own_resources(page)
        page.merge_transformed_page(mark, _watermark_placement(mark, page), over=True)
        page.compress_content_streams()


def _own_resources(page: PageObject) -> None:
    """Give page a resource dictionary of its own (LibreOffice shares one among all pages of a file).

    pypdf adds the mark's font to the page's resources under a fresh name at every merge; on a shared
    dictionary that would pile up one name per page on every page.
    """
    if "/Resources" not in page:
        return
    shared = page["/Resources"].get_object()
    if not isinstance(shared, DictionaryObject):
        return
    page[NameObject("/Resources")] = DictionaryObject({
        key: DictionaryObject(value.get_object()) if isinstance(value.get_object(), DictionaryObject) else value
        for key, value in shared.items()
    })


def _watermark_placement(mark: PageObject, page: PageObject) -> Transformation:
    """Return the transformation that centres mark on page, along its rising diagonal."""
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    mark_box = mark.mediabox
    scale = _WATERMARK_SHARE * math.hypot(width, height) / float(mark_box.width)
    return (Transformation()
            .translate(-float(mark_box.left) - float(mark_box.width) / 2,
                       -float(mark_box.bottom) - float(mark_box.height) / 2)
            .scale(scale, scale)
            .rotate(math.degrees(math.atan2(height, width)))
            .translate(float(box.left) + width / 2, float(box.bottom) + height / 2))


# --- the same on files ----------------------------------------------------------------------------------

def to_pdf(paths: list[Path], *, overwrite: bool = False, timeout: float = 300) -> list[Path]:
    """Convert .docx files on disk with one LibreOffice start and return the PDF paths, each beside its source.

    Raise OutputExistsError, converting nothing, if a PDF exists and overwrite is False.
    """
    paths = [Path(p) for p in paths]
    targets = [p.with_suffix(".pdf") for p in paths]
    _refuse_existing(targets, overwrite)
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ConversionError("找不到要转换的文件：" + "、".join(missing))
    pdfs = convert([Document(DocumentKind.DOCX, p.name, _read(p)) for p in paths], timeout=timeout)
    for target, pdf in zip(targets, pdfs, strict=False):
        _write_atomically(target, pdf.data)
    return targets


def build_package(pdf_paths: list[Path], out: Path, *, title: str, author: str, subject: str = "",
                  keywords: str = "", draft: bool = False, overwrite: bool = False) -> Path:
    """Merge the PDF files into the package out (see ``package``) and return out.

    Raise OutputExistsError, writing nothing, if out exists and overwrite is False.
    """
    out = Path(out)
    _refuse_existing([out], overwrite)
    pdfs = [Document(DocumentKind.PDF, Path(p).name, _read(Path(p))) for p in pdf_paths]
    merged = package(pdfs, title=title, author=author, subject=subject, keywords=keywords, draft=draft,
                     filename=out.name)
    _write_atomically(out, merged.data)
    return out


def _refuse_existing(targets: list[Path], overwrite: bool) -> None:
    """Raise OutputExistsError naming every existing target, unless overwrite."""
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        raise OutputExistsError("以下文件已存在，未做任何写入（如需覆盖请使用 --force）：" + "、".join(existing))


def _read(path: Path) -> bytes:
    """Return the bytes of path; raise OutputError naming it and the system's reason."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OutputError.from_os(path, exc, "读取失败") from exc


def _write_atomically(target: Path, data: bytes) -> None:
    """Write data to target through a temporary file in the same folder, so target is never half-written.

    Raise OutputError naming target and the system's reason when the folder or file cannot be written.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise OutputError.from_os(target, exc) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError.from_os(target, exc) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
