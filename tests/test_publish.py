"""Run folders and their atomic link (publish.py) and the recovery a run does under its lock (runner._recover),
on folders built by hand: no notebooks, milliseconds."""

from __future__ import annotations

import json
import os

from bnkpi_utils import publish, runner


def make_run(folder: publish.RunFolder, run_id: str, processed_run: str | None = None) -> None:
    path = folder.runs / run_id
    path.mkdir(parents=True)
    manifest = {"run_id": run_id, **({"processed": {"run_id": processed_run}} if processed_run else {})}
    (path / "manifest.json").write_text(json.dumps(manifest))


def recover(output: publish.RunFolder, processed: publish.RunFolder) -> list[str]:
    said: list[str] = []
    runner._recover(output, processed, lambda message, log_only=False: said.append(message))
    return said


def test_switch_prune_and_restore(tmp_path):
    folder = publish.RunFolder(tmp_path / "outputs")
    for run_id in ("20260101T000000Z-a", "20260201T000000Z-b", "20260301T000000Z-c", "20260401T000000Z-d"):
        make_run(folder, run_id)
    publish.switch_link(folder, "20260101T000000Z-a")
    assert os.readlink(folder.path) == ".outputs.runs/20260101T000000Z-a"
    assert json.loads((folder.path / "manifest.json").read_text())["run_id"] == "20260101T000000Z-a"
    # the current run is kept even when it is the oldest; then the two newest others
    assert publish.prune(folder) == ["20260201T000000Z-b"]
    assert folder.complete_runs() == ["20260101T000000Z-a", "20260301T000000Z-c", "20260401T000000Z-d"]
    folder.path.unlink()  # as after a kill between the two renames of a migration without RENAME_EXCHANGE
    assert publish.restore_link(folder) == "20260401T000000Z-d"
    assert folder.current() == "20260401T000000Z-d"


def test_a_real_folder_is_migrated_not_deleted(tmp_path):
    folder = publish.RunFolder(tmp_path / "outputs")
    folder.path.mkdir()
    (folder.path / "manifest.json").write_text(json.dumps({"run_id": "20251001T060000Z-old"}))
    (folder.path / "table.csv").write_text("a,b\n1,2\n")
    make_run(folder, "20261123T000000Z-new")
    assert publish.switch_link(folder, "20261123T000000Z-new") == "20251001T060000Z-old-migrated"
    assert folder.current() == "20261123T000000Z-new"
    assert (folder.runs / "20251001T060000Z-old-migrated" / "table.csv").read_text() == "a,b\n1,2\n"


def test_leftovers_of_killed_runs_and_of_the_earlier_version_are_removed(tmp_path):
    output = publish.RunFolder(tmp_path / "outputs")
    processed = publish.RunFolder(tmp_path / "processed")
    make_run(output, "20260101T000000Z-a", processed_run="20260101T000000Z-a")
    make_run(processed, "20260101T000000Z-a")
    publish.switch_link(output, "20260101T000000Z-a")
    publish.switch_link(processed, "20260101T000000Z-a")
    output.staging("dead").mkdir()
    output.temp("dead").mkdir()
    publish.write_owner(output, "dead", pid=2**22 + 1, started=0)
    (tmp_path / ".outputs.link-dead").symlink_to(".outputs.runs/dead")
    (tmp_path / ".processed.staging-20250101T000000Z-old").mkdir()
    recover(output, processed)
    assert sorted(p.name for p in output.runs.iterdir()) == ["20260101T000000Z-a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".outputs.runs", ".processed.runs", "outputs", "processed"]
    # an earlier version killed between its two renames: the previous folder is put back
    old = publish.RunFolder(tmp_path / "old_outputs")
    (tmp_path / ".old_outputs.previous-x").mkdir()
    assert publish.recover_earlier_version(old) == ["old_outputs restored"]
    assert old.path.is_dir()


def test_a_publish_interrupted_between_the_two_switches_is_finished(tmp_path):
    output = publish.RunFolder(tmp_path / "outputs")
    processed = publish.RunFolder(tmp_path / "processed")
    for run_id in ("20260101T000000Z-a", "20260201T000000Z-b"):
        make_run(output, run_id, processed_run=run_id)
        make_run(processed, run_id)
    publish.switch_link(output, "20260101T000000Z-a")
    publish.switch_link(processed, "20260201T000000Z-b")  # the kill came before the output switch
    said = recover(output, processed)
    assert output.current() == processed.current() == "20260201T000000Z-b"
    assert any("finished it now" in line for line in said)


def test_a_processed_folder_rewritten_by_another_output_folder_is_said(tmp_path):
    output = publish.RunFolder(tmp_path / "outputs_a")
    processed = publish.RunFolder(tmp_path / "processed")
    make_run(output, "20260101T000000Z-a", processed_run="20260101T000000Z-a")
    make_run(processed, "20260101T000000Z-a")
    make_run(processed, "20260201T000000Z-b")  # run b wrote another output folder and this processed folder
    publish.switch_link(output, "20260101T000000Z-a")
    publish.switch_link(processed, "20260201T000000Z-b")
    said = recover(output, processed)
    assert output.current() == "20260101T000000Z-a"  # nothing to finish: b's outputs are elsewhere
    assert any("built from the processed data of run 20260101T000000Z-a" in line and "20260201T000000Z-b" in line
               for line in said)


def run_and_prune(folder: publish.RunFolder, run_id: str) -> list[str]:
    """What a successful run does to one folder: a new run, the link switched to it, the old runs pruned."""
    make_run(folder, run_id)
    publish.switch_link(folder, run_id)
    return publish.prune(folder)


def test_a_migrated_folder_is_never_pruned(tmp_path):
    """The review's user folder (a copied run with manifest.json and the user's own document) was migrated on the
    first run and deleted with the document on the third: bnkpi prunes only the run folders it created."""
    folder = publish.RunFolder(tmp_path / "outputs")
    folder.path.mkdir()
    (folder.path / "manifest.json").write_text(json.dumps({"run_id": "20251001T060000Z-abc123"}))
    (folder.path / "ghi-chu-cua-toi.docx").write_bytes(b"the user's own notes")
    pruned = []
    for month in range(1, 7):
        pruned += run_and_prune(folder, f"2026{month:02d}01T000000Z-{month:06x}")
    assert pruned == [f"2026{month:02d}01T000000Z-{month:06x}" for month in (1, 2, 3)]
    assert (folder.runs / "20251001T060000Z-abc123-migrated" / "ghi-chu-cua-toi.docx").read_bytes() == (
        b"the user's own notes")
    # a folder without a readable manifest, and a folder a user put into the runs folder by hand, stay too
    (folder.runs / "00000000T000000Z-migrated").mkdir()
    (folder.runs / "my copy").mkdir()
    run_and_prune(folder, "20260801T000000Z-0000aa")
    assert {"00000000T000000Z-migrated", "20251001T060000Z-abc123-migrated"} <= set(folder.complete_runs())
    assert (folder.runs / "my copy").is_dir() and "my copy" not in folder.complete_runs()
    folder.path.unlink()  # the link lost: restored to the newest run, not to a folder a user put there
    assert publish.restore_link(folder) == "20260801T000000Z-0000aa"


def test_request_workbooks_never_go_into_a_run_folder(tmp_path, capsys):
    """`bnkpi request --output-dir outputs` wrote through the run link into the current run's folder: gone from
    outputs/ after the next run, deleted by the third. Given the link, the workbooks go beside it."""
    from bnkpi_utils import cli

    folder = publish.RunFolder(tmp_path / "outputs")
    run_and_prune(folder, "20260101T000000Z-0000a1")
    assert cli.main(["request", "--period", "2026-Q4", "--output-dir", str(folder.path),
                     "--agency", "cong an tinh"]) == 0
    out, err = capsys.readouterr()
    workbook = tmp_path / "requests" / "2026-Q4" / "cong-an-tinh.xlsx"
    assert out.strip() == str(workbook) and workbook.is_file()
    assert f"written beside it, in {tmp_path / 'requests'}" in err and len(err.strip().splitlines()) == 1
    assert not list(folder.runs.rglob("*.xlsx"))
    for month in range(2, 6):
        run_and_prune(folder, f"2026{month:02d}01T000000Z-0000a{month}")
    assert workbook.is_file()
    # a folder inside the link or inside the runs folder is refused, nothing written
    for inside in (folder.path / "mine", folder.runs / "20260501T000000Z-0000a5" / "x"):
        assert cli.main(["request", "--period", "2026-Q4", "--output-dir", str(inside)]) == 64
        err = capsys.readouterr().err
        assert "the runs of `bnkpi run`, which later runs delete" in err and "Nothing was written" in err
    assert not list(folder.runs.rglob("*.xlsx"))
    # a folder of the user's own: OUTPUT/requests/PERIOD as the contract says
    assert publish.request_base(tmp_path / "mine") == (tmp_path / "mine", None)


def test_request_before_the_first_run_writes_beside_the_default_output_folder(tmp_path, monkeypatch):
    """Written into a real `outputs/` before any run, the workbooks would make the first `bnkpi run` refuse the
    folder (a folder with other content); they go where they go once the link exists."""
    from bnkpi_utils import config

    monkeypatch.setattr(config, "OUTPUT_DIR", tmp_path / "outputs")
    base, note = publish.request_base(tmp_path / "outputs")
    assert base == tmp_path and f"in {tmp_path / 'requests'}" in note
    assert publish.request_base(tmp_path / "elsewhere") == (tmp_path / "elsewhere", None)
