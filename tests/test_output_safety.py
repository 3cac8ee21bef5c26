"""Output is exclusive, atomic and confined: locked folders, staging inside -o, a journal that a killed
run's successor completes, stale files retired by --force, no symlink followed, umask honoured, and every
file-system failure an OutputError (exit 3)."""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path

import pytest
from conftest import BASE_SAMPLE, SAMPLES
from test_cli import run

import docgen
from docgen.output import (
    STAGING_PREFIX,
    Document,
    commit,
    contents_of,
    locked_root,
    recover,
    safe_filename,
    write_documents,
)

V1, V2, V3 = (SAMPLES / f"marine-ai-v{n}.yaml" for n in (1, 2, 3))


def _docs(*names: str, tag: bytes = b"") -> list[Document]:
    return [Document("commitment" if "/" in n else "plan", n, n.encode() + tag) for n in names]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_force_retires_what_the_previous_manifest_listed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _docs("a.docx", "诚信承诺书/01-甲.docx", "诚信承诺书/02-乙.docx", "诚信承诺书/03-丙.docx")
    write_documents(out, first, "x")
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # not docgen's: kept
    second = _docs("a.docx", "诚信承诺书/01-甲.docx", "诚信承诺书/02-丁.docx", tag=b"2")
    write_documents(out, second, "y", overwrite=True)
    assert sorted(_files(out)) == sorted(
        ["manifest.json", "notes.txt", "a.docx", "诚信承诺书/01-甲.docx", "诚信承诺书/02-丁.docx"])
    assert _files(out)["a.docx"] == b"a.docx2"


def test_staging_is_inside_the_output_folder_so_a_mount_point_works(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "volume"
    out.mkdir()
    real_rename, real_replace = os.rename, os.replace

    def same_device_only(rename):  # a mount point: nothing may move across its boundary
        def moved(source, target, *args, **kwargs):
            inside = [str(Path(p)).startswith(str(out) + os.sep) for p in (source, target)]
            if inside[0] != inside[1]:
                raise OSError(errno.EXDEV, "Invalid cross-device link", str(source))
            return rename(source, target, *args, **kwargs)
        return moved

    monkeypatch.setattr(os, "rename", same_device_only(real_rename))
    monkeypatch.setattr(os, "replace", same_device_only(real_replace))
    write_documents(out, _docs("a.docx", "诚信承诺书/01-甲.docx"), "x")
    write_documents(out, _docs("a.docx", tag=b"2"), "y", overwrite=True)
    assert sorted(_files(out)) == ["a.docx", "manifest.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["volume"]


def _crash_after(moves: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make os.replace die (as a kill would) after the given number of file moves."""
    real = os.replace
    done = {"n": 0}

    def replace(source, target, *args, **kwargs):
        if not str(source).endswith(".tmp"):  # the journal's own rename is not a file move
            if done["n"] >= moves:
                raise KeyboardInterrupt("killed")
            done["n"] += 1
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def test_a_run_killed_mid_commit_is_completed_by_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    old = _docs("a.docx", "b.docx", "诚信承诺书/01-甲.docx", "诚信承诺书/02-乙.docx")
    new = _docs("a.docx", "b.docx", "诚信承诺书/01-甲.docx", tag=b"new")
    write_documents(out, old, "old")
    with monkeypatch.context() as patch:
        _crash_after(2, patch)
        with locked_root(out) as root, pytest.raises(KeyboardInterrupt):
            commit(root, "", contents_of(new, "new"), overwrite=True)
    # the interruption left a mix, and the journal that completes it
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["input_sha256"] == "old"
    with locked_root(out):  # the next run repairs first
        pass
    files = _files(out)
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["input_sha256"] == "new"
    assert files == {d.filename: d.data for d in new}
    assert not list(out.glob(STAGING_PREFIX + "*"))


def test_a_run_killed_before_its_journal_leaves_the_old_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    old = _docs("a.docx", "b.docx")
    write_documents(out, old, "old")
    staging = out / f"{STAGING_PREFIX}999-dead"
    (staging / "files").mkdir(parents=True)
    (staging / "files" / "a.docx").write_bytes(b"half")
    assert recover(out) == [staging]
    files = _files(out)
    assert json.loads(files.pop("manifest.json"))["input_sha256"] == "old"
    assert files == {d.filename: d.data for d in old}


def test_runs_into_one_folder_wait_for_each_other(tmp_path: Path) -> None:
    out = tmp_path / "out"
    order: list[str] = []
    with locked_root(out):
        worker = threading.Thread(target=lambda: (write_documents(out, _docs("a.docx"), "x"), order.append("w")))
        worker.start()
        time.sleep(0.3)
        order.append("holder")
    worker.join(10)
    assert order == ["holder", "w"]
    with locked_root(out), pytest.raises(docgen.OutputError, match="另一个 docgen 进程"), locked_root(out, timeout=0.2):
        pass


def test_concurrent_changes_into_one_root_each_get_a_serial(tmp_path: Path) -> None:
    v1, v2, v3 = (docgen.load(p) for p in (V1, V2, V3))
    out = tmp_path / "changes"
    results: list[Path] = []
    errors: list[BaseException] = []

    def change(old: docgen.Consortium, new: docgen.Consortium) -> None:
        try:
            results.append(docgen.render_change(old, new, out))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=change, args=pair) for pair in ((v1, v2), (v2, v3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    assert sorted(p.name for p in out.iterdir()) == ["补充协议第一号", "补充协议第二号"]
    serials = sorted(json.loads(p.read_text(encoding="utf-8"))["serial"] for p in results)
    assert serials == [1, 2]


def test_a_symlinked_sub_folder_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "诚信承诺书").symlink_to(outside)
    with pytest.raises(docgen.OutputError, match="符号链接"):
        write_documents(out, _docs("a.docx", "诚信承诺书/01-甲.docx"), "x", overwrite=True)
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["诚信承诺书"]


def test_init_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "consortium.yaml"
    link.symlink_to(tmp_path / "target.yaml")
    result = run("init", str(link), "--force")
    assert result.returncode == 3, result.stderr
    assert not (tmp_path / "target.yaml").exists()


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_files_and_folders_honour_the_umask(tmp_path: Path, mask: int) -> None:
    previous = os.umask(mask)
    try:
        write_documents(tmp_path / "out" / "run", _docs("a.docx", "诚信承诺书/01-甲.docx"), "x")
    finally:
        os.umask(previous)
    for folder in (tmp_path / "out", tmp_path / "out" / "run", tmp_path / "out" / "run" / "诚信承诺书"):
        assert folder.stat().st_mode & 0o777 == 0o777 & ~mask, folder
    for file in (tmp_path / "out" / "run").rglob("*.*"):
        if file.is_file():
            assert file.stat().st_mode & 0o777 == 0o666 & ~mask, file


def test_a_file_system_failure_is_an_output_error_with_exit_3(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(docgen.OutputError) as info:
        write_documents(blocker / "out", _docs("a.docx"), "x")
    assert "file" in str(info.value.path)
    result = run("render", str(BASE_SAMPLE), "-o", str(blocker / "out"))
    assert result.returncode == 3, result.stdout + result.stderr
    assert str(blocker) in result.stderr


@pytest.mark.parametrize("names", [("a/x.yaml", "b/x.yaml"), ("x.yaml", "x.json")])
def test_inputs_with_one_stem_are_refused_before_writing(tmp_path: Path, names: tuple[str, str]) -> None:
    text = BASE_SAMPLE.read_text(encoding="utf-8")
    paths = []
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        if name.endswith(".json"):
            path.write_text(json.dumps(docgen.load(BASE_SAMPLE).model_dump(mode="json"), ensure_ascii=False),
                            encoding="utf-8")
        else:
            path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    result = run("render", *paths, "-o", str(tmp_path / "out"), "--force")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "同一个文件夹" in result.stderr
    assert not (tmp_path / "out").exists()


def test_safe_filename_cuts_on_bytes_at_a_character_boundary() -> None:
    name = safe_filename("青" * 86)  # 258 bytes of UTF-8
    assert len(name.encode("utf-8")) <= 200 and name == "青" * 66


def test_a_symlinked_folder_is_not_taken_for_a_change_version(tmp_path: Path) -> None:
    from docgen.output import read_versions

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "manifest.json").write_text(json.dumps({"serial": 7, "documents": [{"kind": "supplement"}]}),
                                             encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir()
    (root / "补充协议第七号").symlink_to(elsewhere)
    assert read_versions(root) == []
