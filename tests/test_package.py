"""The ministry package (报部材料): layout, manifest, originals byte for byte, tamper detection."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

import openpyxl
import pytest

from core import audit, campaigns, demo, inspections, package, pdf, record_pdf, reports, sampling, settings
from core.labels import AREAS, LEVELS
from core.access import System
from tests.photos import make_photo, make_video
from tests.test_inspections import filled, sign_all
from tests.test_record_pdf import pdf_text


@pytest.fixture
def demo_db(db):
    """A demo register large enough for the draw to hold three national mines."""
    demo.load_demo(db, mines=150)
    return db


@pytest.fixture
def campaign(demo_db):
    """Three national mines: two submitted with photos in two areas (and of the key areas, see
    ``sign_all``), one draft with a photo and a video; and one provincial record submitted with photos
    (not part of the package)."""
    campaign = demo.start_campaign(demo_db)
    drawn = inspections.campaign_records(demo_db, campaign)
    national = drawn[drawn["level"] == LEVELS[0]].head(3)
    provincial = drawn[drawn["level"] == LEVELS[1]].head(1)
    assert len(national) == 3 and len(provincial) == 1, "the demo draw holds fewer national mines"
    for number, mine_id in enumerate([*national["id"], *provincial["id"]]):
        record = inspections.open_record(demo_db, campaign, int(mine_id), System("张某华"))
        current = filled(demo_db, record, opinions="堃喆犇赟：加强边坡治理")
        for area in (AREAS[0], AREAS[3]) if number != 2 else (AREAS[1],):
            photo = make_photo(seed=10 * number + AREAS.index(area), taken_at="2023-11-02T10:30:00")
            inspections.add_evidence(demo_db, record.id, photo, f"IMG_{number}{area}.jpg", area, "现场照片", System("李某明"))
        if number == 2:
            inspections.add_evidence(demo_db, record.id, make_video(), "VID_0001.mp4", AREAS[1], "边坡", System("李某明"))
        else:
            current = inspections.get(demo_db, record.id)
            sign_all(demo_db, current)
            inspections.submit(demo_db, record.id, current.version, System("王某军"))
    return campaign


def built(db, campaign, tmp_path, **options):
    """Build the package into ``tmp_path``: (zip path, manifest, the progress calls)."""
    shares = []
    target = tmp_path / package.package_name(settings.province(db).name, campaign,
                                             bool(package.outstanding(db, campaign)))
    manifest = package.build_package(db, campaign, pdf.find_font(), target,
                                     lambda share, text: shares.append((share, text)), **options)
    return target, manifest, shares


def test_the_package_holds_report_table_national_records_and_their_originals(demo_db, campaign, tmp_path) -> None:
    target, manifest, shares = built(demo_db, campaign, tmp_path)
    # Three records of the drawn mines: an interim package, so named, with its report and what is outstanding.
    assert target.name == "湖北省2023年度绿色矿山核查报部材料（阶段性）.zip"
    assert manifest["final"] is False and manifest["title"].endswith("报部材料（阶段性）文件清单")
    assert [m["name"] for m in manifest["outstanding"]] == [m["name"] for m in package.outstanding(demo_db, campaign)]
    assert package.verify_package(target) == []
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
        assert names[-1] == "文件清单.json"
        assert "湖北省2023年度绿色矿山核查报告（阶段性）.pdf" in names
        assert zf.read("湖北省2023年度绿色矿山核查报告（阶段性）.pdf").startswith(b"%PDF")
        (tmp_path / "table.xlsx").write_bytes(zf.read("湖北省2023年度绿色矿山抽查核查结果汇总表.xlsx"))
        records = [n for n in names if n.endswith("国家级绿色矿山核查记录表.pdf")]
        photos = [n for n in names if "/影像/" in n]
        expected = package.national_records(demo_db, campaign)
        assert len(records) == len(expected) == 2 == manifest["counts"]["records"]
        for number, row in enumerate(expected, start=1):
            folder = f"国家级绿色矿山核查记录表/{number:03d}_{row['name']}"
            text = "".join(pdf_text(zf.read(f"{folder}/{row['name']}国家级绿色矿山核查记录表.pdf"), tmp_path).split())
            assert row["name"] in text and "堃喆犇赟" in text and "草稿" not in text
            evidence = inspections.evidence_of(demo_db, inspections.get(demo_db, int(row["record_id"])))
            for index, item in enumerate(evidence, start=1):
                data = zf.read(f"{folder}/影像/{index:02d}_{item['area']}.jpg")
                assert data == inspections.original(item).read_bytes()
                assert hashlib.sha256(data).hexdigest() == item["sha256"]
                assert zf.getinfo(f"{folder}/影像/{index:02d}_{item['area']}.jpg").compress_type == zipfile.ZIP_STORED
        submitted = sum(len(inspections.evidence_of(demo_db, inspections.get(demo_db, int(row["record_id"]))))
                        for row in expected)
        assert len(photos) == submitted == manifest["counts"]["photos"] > 4
    sheet = openpyxl.load_workbook(tmp_path / "table.xlsx").active
    table = reports.summary_table(demo_db, campaign)
    assert sheet.cell(3, 4).value == table.iloc[0]["矿山名称"] == expected[0]["name"]
    assert [s for s, _ in shares] == sorted(s for s, _ in shares) and shares[-1][0] == 1.0
    assert any("第 2/2 座矿山" in text for _, text in shares)


def test_no_record_below_the_national_list_and_no_draft_unless_asked(demo_db, campaign, tmp_path) -> None:
    provincial = {r["name"] for r in reports.result_rows(demo_db, campaign).to_dict("records")
                  if r["level"] != LEVELS[0]}
    target, manifest, _ = built(demo_db, campaign, tmp_path)
    with zipfile.ZipFile(target) as zf:
        folders = {n.split("/")[1] for n in zf.namelist() if n.startswith("国家级绿色矿山核查记录表/")}
    assert len(folders) == 2 and not any(name in folder for folder in folders for name in provincial)

    target, manifest, _ = built(demo_db, campaign, tmp_path, include_drafts=True)
    everything = package.national_records(demo_db, campaign, include_drafts=True)
    photos = sum(1 for row in everything for item in inspections.evidence_of(
        demo_db, inspections.get(demo_db, int(row["record_id"]))) if item["ext"] != ".mp4")
    assert manifest["counts"] == {"records": 3, "photos": photos, "videos": 1, "removal_proposals": 0}
    assert manifest["include_drafts"] is True
    assert package.verify_package(target) == []
    with zipfile.ZipFile(target) as zf:
        draft = next(n.rsplit("/", 1)[0] for n in zf.namelist() if n.endswith("/01_资源开发方式.jpg"))
        assert zf.read(f"{draft}/02_资源开发方式.mp4") == make_video()
        drafts = [n for n in zf.namelist() if n.endswith("记录表.pdf")
                  and "（草稿，未提交）" in "".join(pdf_text(zf.read(n), tmp_path).split())]
    assert len(drafts) == 1


def test_the_manifest_names_the_campaign_the_draw_and_every_file(demo_db, campaign, tmp_path) -> None:
    target, manifest, _ = built(demo_db, campaign, tmp_path)
    with zipfile.ZipFile(target) as zf:
        stored = json.loads(zf.read("文件清单.json"))
        assert stored == manifest
        assert sorted(f["path"] for f in manifest["files"]) == sorted(n for n in zf.namelist() if n != "文件清单.json")
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert entry == {"path": entry["path"], "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert manifest["campaign"] == campaign.title and manifest["year"] == campaign.year
    assert manifest["province"] == "湖北省"
    assert manifest["generated_at_text"].startswith(f"{manifest['generated_at'][:4]}年")
    draw = campaigns.current_draw(demo_db, campaign)
    assert manifest["draw_record_sha256"] == hashlib.sha256(draw["record"].encode("utf-8")).hexdigest()


def test_the_manifest_and_the_report_name_the_audit_head(demo_db, campaign, tmp_path) -> None:
    head = audit.head(demo_db)
    target, manifest, _ = built(demo_db, campaign, tmp_path)
    assert manifest["audit_head"] == {"seq": head.seq, "hash": head.hash}
    report = package.report_name("湖北省", campaign, interim=True)
    with zipfile.ZipFile(target) as zf:
        text = "".join(pdf_text(zf.read(report), tmp_path).split())
    assert f"本报告生成时审计日志共{head.seq}条，链头哈希{head.hash[:16]}…" in text


def rewritten(source, target, member: str, data: bytes | None, extra: dict[str, bytes] | None = None) -> None:
    """A copy of the zip ``source`` with ``member`` replaced by ``data`` (left out when None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename == member:
                if data is not None:
                    new.writestr(info, data)
            else:
                new.writestr(info, old.read(info))
        for name, content in (extra or {}).items():
            new.writestr(name, content)


def test_a_tampered_package_is_detected(demo_db, campaign, tmp_path) -> None:
    target, manifest, _ = built(demo_db, campaign, tmp_path)
    photo = next(f["path"] for f in manifest["files"] if "/影像/" in f["path"])
    record = next(f["path"] for f in manifest["files"] if f["path"].endswith("记录表.pdf"))

    changed = tmp_path / "changed.zip"
    rewritten(target, changed, photo, make_photo(seed=99))
    assert package.verify_package(changed) == [f"文件内容与清单不符（SHA-256 不同）：{photo}"]

    missing = tmp_path / "missing.zip"
    rewritten(target, missing, record, None, {"国家级绿色矿山核查记录表/说明.txt": "补充".encode()})
    assert package.verify_package(missing) == [f"缺少文件：{record}", "清单中没有的文件：国家级绿色矿山核查记录表/说明.txt"]

    no_manifest = tmp_path / "no-manifest.zip"
    rewritten(target, no_manifest, "文件清单.json", None)
    assert package.verify_package(no_manifest) == ["压缩包中没有文件清单（文件清单.json）"]

    (tmp_path / "not.zip").write_bytes(b"not a zip")
    assert package.verify_package(tmp_path / "not.zip")[0].startswith("无法打开压缩包")


def test_an_altered_original_stops_the_build_and_leaves_no_partial_zip(demo_db, campaign, tmp_path) -> None:
    row = package.national_records(demo_db, campaign)[0]
    item = inspections.evidence_of(demo_db, inspections.get(demo_db, int(row["record_id"])))[0]
    inspections.original(item).write_bytes(b"changed")
    with pytest.raises(package.PackageError, match="原件已被改动"):
        built(demo_db, campaign, tmp_path)
    assert list(tmp_path.glob("*.zip")) == [] and list(tmp_path.glob(".*.part")) == []

    inspections.original(item).unlink()
    with pytest.raises(package.PackageError, match="原件缺失"):
        built(demo_db, campaign, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_campaign_without_a_confirmed_draw_has_no_package(demo_db, tmp_path) -> None:
    campaign_id = campaigns.create(demo_db, 2023, "湖北省2023年度绿色矿山实地抽查核查", date(2023, 11, 30),
                                   sampling.Rules(), [], System("组织者"))
    with pytest.raises(package.PackageError, match="尚未确认抽取结果"):
        built(demo_db, campaigns.get(demo_db, campaign_id), tmp_path)


def test_mine_names_become_safe_folder_names() -> None:
    assert package.safe_name(' 某矿/二号:井*?"<>|\t. ') == "某矿_二号_井_______"
    assert package.safe_name("x" * 80) == "x" * 60
    assert record_pdf.filename("甲矿", LEVELS[0]) == "甲矿国家级绿色矿山核查记录表.pdf"


def test_the_demo_campaign_packages(demo_db, tmp_path) -> None:
    campaign = demo.demo_campaign(demo_db)
    target, manifest, _ = built(demo_db, campaign, tmp_path)
    assert package.verify_package(target) == []
    assert manifest["counts"]["records"] == len(package.national_records(demo_db, campaign)) > 0


def test_the_removal_proposal_and_its_letter_go_to_the_ministry(demo_db, campaign, tmp_path) -> None:
    from tests.test_followup import submit
    drawn = inspections.campaign_records(demo_db, campaign)
    spare = [int(i) for i in drawn[drawn["level"] == LEVELS[0]]["id"]][3]
    submit(demo_db, campaign, spare, conclusion="移出", removal_reason="存在重大安全事故")
    name = demo_db.execute("SELECT name FROM mines WHERE id = ?", [spare]).fetchone()[0]
    target, manifest, shares = built(demo_db, campaign, tmp_path)
    assert manifest["counts"]["removal_proposals"] == 1 and "1 座矿山的移出建议" in shares[-1][1]
    assert package.verify_package(target) == []
    folder = package.PROPOSAL_FOLDER
    with zipfile.ZipFile(target) as zf:
        letter = "".join(pdf_text(zf.read(f"{folder}/报送函.pdf"), tmp_path).split())
        listed = "".join(pdf_text(zf.read(f"{folder}/湖北省国家级绿色矿山移出建议名单.pdf"), tmp_path).split())
        sheet = openpyxl.load_workbook(io.BytesIO(zf.read(f"{folder}/湖北省国家级绿色矿山移出建议名单.xlsx"))).active
    assert "草稿" in letter and "自然资源部矿产资源保护监督司" in letter and name in letter
    assert name in listed and "存在重大安全事故" in listed and "核查时间及核查组" in listed
    assert sheet.cell(4, 2).value == name and sheet.cell(6, 1).value == "共1座。"


def test_without_proposals_the_package_has_no_proposal_folder(demo_db, campaign, tmp_path) -> None:
    target, manifest, _ = built(demo_db, campaign, tmp_path)
    with zipfile.ZipFile(target) as zf:
        assert not any(n.startswith(package.PROPOSAL_FOLDER) for n in zf.namelist())
    assert manifest["counts"]["removal_proposals"] == 0


def test_a_complete_campaign_gives_the_final_package(demo_db, campaign, tmp_path) -> None:
    from core import campaigns
    for mine in package.outstanding(demo_db, campaign):
        campaigns.record_exemption(demo_db, campaign, mine["licence_no"], "停产", System("组织者"))
    target, manifest, _ = built(demo_db, campaign, tmp_path)
    assert target.name == "湖北省2023年度绿色矿山核查报部材料.zip"
    assert manifest["final"] is True and manifest["outstanding"] == []
    with zipfile.ZipFile(target) as zf:
        text = pdf_text(zf.read("湖北省2023年度绿色矿山核查报告.pdf"), tmp_path)
    assert "阶段性" not in text and "停产" in text
