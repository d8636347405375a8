"""Lexicon administration through the web UI: entries, import, export, versions, sandbox, rights."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from checks.lexicon import parse_tsv
from gateway.db import db
from gateway.models import AuditEntry, LexiconPublication
from gateway.sites import add_site
from tests.conftest import dumps, review_body
from tests.web.lexicon_support import add, check, people_fixture, post, publish, rows, text  # noqa: F401


def audit_actions(app) -> list[str]:
    with app.app_context(), db.session() as s:
        return list(s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_when_admin_adds_a_term_and_publishes_then_the_next_check_finds_it(
    app, client, site, signed, people, login
) -> None:
    _, secret = site
    boss = login("boss")
    page = text(boss.get("/lexicon"))
    for label in ("词条", "类型", "类别", "级别", "建议", "说明"):
        assert re.search(rf'<label for="add-[a-z]+">{label}</label>', page), label
    assert ">添加</button>" in page

    added = add(boss, term="违规测试词", note="专项整治通知要求")
    assert added.status_code == 200
    assert "已添加“违规测试词”" in text(added)
    assert "待发布" in text(added)
    assert check(client, signed, secret, "<p>这里有违规测试词。</p>") == []  # a draft is not in force

    published = publish(boss, "加入专项整治词")
    assert "已发布版本 #1" in text(published)
    assert ("sensitive.term", "违规测试词") in check(client, signed, secret, "<p>这里有违规测试词。</p>")
    listed = text(boss.get("/lexicon", query_string={"q": "违规测试词"}))
    assert "已发布" in listed and "共 1 条" in listed
    assert {"lexicon.add", "lexicon.publish"} <= set(audit_actions(app))


def test_when_note_or_reason_is_missing_then_error_is_shown_and_nothing_is_stored(app, people, login) -> None:
    boss = login("boss")
    refused = add(boss, follow=False, term="无说明词", note="")
    assert refused.status_code == 400
    assert "说明必填" in text(refused)
    assert 'value="无说明词"' in text(refused)  # the form keeps what was typed
    assert rows(app) == []

    add(boss, term="待修改词", note="初始依据")
    [row] = rows(app)
    no_reason = post(boss, f"/lexicon/entries/{row.id}", severity="warn", category="测试", note="新依据", reason="")
    assert no_reason.status_code == 400 and "请填写修改原因" in text(no_reason)
    no_reason = post(boss, f"/lexicon/entries/{row.id}/disable", reason="")
    assert no_reason.status_code == 400 and "请填写停用原因" in text(no_reason)
    assert rows(app)[0].severity == "block" and rows(app)[0].enabled

    changes = {"severity": "warn", "category": "测试", "note": "新依据", "reason": "降级"}
    edited = post(boss, f"/lexicon/entries/{row.id}", True, **changes)
    assert "已修改“待修改词”" in text(edited)
    disabled = post(boss, f"/lexicon/entries/{row.id}/disable", True, reason="不再需要")
    assert "已停用“待修改词”" in text(disabled)
    [row] = rows(app)
    assert (row.severity, row.note, row.enabled) == ("warn", "新依据", False)
    history = text(boss.get(f"/lexicon/entries/{row.id}"))
    assert "降级" in history and "不再需要" in history
    assert audit_actions(app)[-3:] == ["lexicon.add", "lexicon.edit", "lexicon.disable"]


def test_when_term_clashes_with_a_shipped_kind_then_adding_it_is_refused(app, people, login) -> None:
    refused = add(login("boss"), follow=False, term="按装", note="想改成敏感词")
    assert refused.status_code == 400
    assert "已作为错别字存在于内置词库" in text(refused)
    assert rows(app) == []


def submit_documents(client, signed, secret: str, bodies: list[str]) -> None:
    for number, body_html in enumerate(bodies):
        body = dumps(review_body(id=f"cms-impact-{number}", body_html=body_html))
        assert client.post("/v1/reviews", data=body, headers=signed(secret, body)).status_code == 200


IMPORT_TSV = "\n".join(
    [
        "term\tkind\tcategory\tseverity\tsuggestion\tnote",
        "新词甲\tdeny\t导入\twarn\t\t专项通知",
        "按装\tdeny\t导入\twarn\t\t与内置错别字冲突",
        "法轮功\tdeny\t邪教\twarn\t\t降级试验",
        "坏\tdeny\t导入\twarn\t\t太短",
        "错写乙\ttypo\t错别字\twarn\t\t缺建议",
    ]
)


def test_when_import_is_dry_run_then_errors_conflicts_and_impact_show_and_nothing_is_written(
    app, client, site, signed, people, login
) -> None:
    _, secret = site
    documents = ["<p>新词甲，新词甲。</p>", "<p>说到法轮功和新词甲。</p>", "<p>平常文字。</p>"]
    submit_documents(client, signed, secret, documents)
    boss = login("boss")
    form = {"site": "qd-mzj", "format": "auto", "kind": "deny", "category": "导入", "severity": "warn", "note": ""}
    dry = post(boss, "/lexicon/import", text=IMPORT_TSV, documents="50", **form)
    page = text(dry)
    assert dry.status_code == 200
    assert "第 5 行" in page and "词条规范化后不足 2 个字" in page
    assert "第 6 行" in page and "必须填写建议" in page
    assert "“按装”已作为错别字存在于内置词库" in page
    assert "“法轮功”在内置词库 test.tsv:4中级别为拦截，将改为警告" in page
    assert "确认导入" not in page  # errors must be fixed first
    assert rows(app) == []

    fixed = "\n".join(IMPORT_TSV.splitlines()[:4])
    dry = post(boss, "/lexicon/import", text=fixed, documents="50", **form)
    page = text(dry)
    impact = re.search(r"导入前 <strong>(\d+)</strong> 处，导入后 <strong>(\d+)</strong> 处", page)
    assert impact and (int(impact.group(1)), int(impact.group(2))) == (1, 4), page[:3000]  # 法轮功 before; +3 新词甲
    assert "涉及 2 篇稿件" in page
    assert rows(app) == []

    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    applied = post(boss, "/lexicon/import/apply", True, text=fixed, digest=digest, source="paste", **form)
    assert "新增 2 条" in text(applied) and "跳过冲突 1 条" in text(applied)
    assert sorted((r.term, r.severity) for r in rows(app)) == [("新词甲", "warn"), ("法轮功", "warn")]
    assert "lexicon.import" in audit_actions(app)


def test_when_overlay_is_exported_then_uploading_it_again_changes_nothing(app, people, login) -> None:
    boss = login("boss")
    add(boss, term="导出词甲", note="依据一")
    add(boss, term="错字乙", kind="typo", category="错别字", severity="warn", suggestion="正字乙", note="依据二")
    add(boss, term="正确短语丙", kind="allow", category="正确用法", severity="", note="依据三")
    exported = boss.get("/lexicon/export", query_string={"site": "qd-mzj", "what": "overlay"})
    assert exported.status_code == 200 and exported.mimetype == "text/tab-separated-values"
    body = exported.get_data(as_text=True)
    assert {(e.term, e.kind) for e in parse_tsv(body, "export.tsv")} == {
        ("导出词甲", "deny"),
        ("错字乙", "typo"),
        ("正确短语丙", "allow"),
    }
    form = {"site": "qd-mzj", "format": "auto", "kind": "deny", "category": "x", "severity": "warn", "note": ""}
    upload = (io.BytesIO(body.encode("gb18030")), "export.tsv")  # as a spreadsheet program may save it
    page = text(post(boss, "/lexicon/import", file=upload, text="", documents="0", **form))
    counts = dict(re.findall(r"<li[^>]*>(新增|更新|未变|冲突|错误) <strong>(\d+)</strong>", page))
    assert counts == {"新增": "0", "更新": "0", "未变": "3", "冲突": "0", "错误": "0"}

    lowered = body.replace("导出词甲\tdeny\t测试\tblock", "导出词甲\tdeny\t测试\twarn")
    page = text(post(boss, "/lexicon/import", text=lowered, documents="0", **form))
    assert "“导出词甲”在站点 qd-mzj 的自定义词条中级别为拦截，将改为警告" in page
    assert "更新 <strong>1</strong>" in page


def test_when_a_version_is_rolled_back_then_the_term_stops_firing_and_the_diff_lists_it(
    app, client, site, signed, people, login
) -> None:
    _, secret = site
    boss = login("boss")
    add(boss, term="第一版词", note="依据")
    publish(boss, "第一版")
    add(boss, term="第二版词", note="依据")
    publish(boss, "第二版")
    assert ("sensitive.term", "第二版词") in check(client, signed, secret, "<p>第二版词</p>")

    diff = text(boss.get("/lexicon/versions", query_string={"old": 1, "new": 2}))
    assert re.search(r"新增</td>\s*<td>qd-mzj</td>\s*<td><strong>第二版词</strong>", diff)
    assert "第一版词</strong>" not in diff.split("diff-title")[1].split("versions-title")[0]

    rolled = post(boss, "/lexicon/versions/1/rollback", True, note="第二版有误")
    assert "已回滚到版本 #1，并发布为版本 #3" in text(rolled)
    assert re.search(r"删除</td>\s*<td>qd-mzj</td>\s*<td><strong>第二版词</strong>", text(rolled))
    assert check(client, signed, secret, "<p>第二版词</p>") == []
    assert ("sensitive.term", "第一版词") in check(client, signed, secret, "<p>第一版词</p>")
    with app.app_context(), db.session() as s:
        latest = s.get(LexiconPublication, 3)
        assert [e["term"] for e in latest.entries] == ["第一版词"]
        assert latest.note.startswith("回滚到版本 #1")
    nothing = post(boss, "/lexicon/publish", True, note="再发一次")
    assert "没有需要发布的修改" in text(nothing)


def test_when_text_is_tried_in_the_sandbox_then_published_and_draft_findings_show(app, people, login) -> None:
    boss = login("boss")
    add(boss, term="草稿新词", note="尚未发布")
    page = text(post(boss, "/lexicon/sandbox", site="qd-mzj", text="希望再接再励。\n草稿新词出现了。"))
    published = page.split('id="result-published"')[1].split('id="result-draft"')[0]
    draft = page.split('id="result-draft"')[1]
    assert "已发布词库：1 处" in published and "再接再励" in published and "草稿新词</mark>" not in published
    assert "草稿（含未发布修改）：2 处" in draft
    assert re.search(r'<mark class="finding check-sensitive sev-block"[^>]*>草稿新词</mark>', draft)


def test_when_user_is_not_an_admin_then_lexicon_changes_are_forbidden(app, people, login) -> None:
    chu = login("chu")
    assert chu.get("/lexicon").status_code == 403
    assert chu.get("/lexicon/versions").status_code == 403
    assert add(chu, follow=False, term="越权词", note="x").status_code == 403
    assert post(chu, "/lexicon/publish", note="x").status_code == 403

    auditor = login("audit")
    listing = text(auditor.get("/lexicon"))
    assert "内置（只读）" in listing and 'id="add-title"' not in listing
    assert auditor.get("/lexicon/versions").status_code == 200
    assert auditor.get("/lexicon/export", query_string={"site": "qd-mzj"}).status_code == 200
    assert add(auditor, follow=False, term="越权词", note="x").status_code == 403
    assert auditor.get("/lexicon/sandbox").status_code == 403
    assert auditor.get("/lexicon/suggestions").status_code == 403
    assert rows(app) == []


def test_when_admin_of_one_site_adds_an_all_sites_entry_then_it_is_forbidden(app, people, login) -> None:
    add_site(app, "jn-zwb", "济南政务办")
    boss = login("boss")
    assert add(boss, follow=False, site="*", term="全局词", note="x").status_code == 403
    assert add(boss, follow=False, site="jn-zwb", term="他站词", note="x").status_code == 403
    assert 'value="*"' not in text(boss.get("/lexicon")).split('id="add-site"')[1].split("</select>")[0]
    assert add(boss, term="本站词", note="x").status_code == 200
    assert [(r.site_id, r.term) for r in rows(app)] == [("qd-mzj", "本站词")]


def test_when_csrf_token_is_missing_then_the_post_is_refused(app, people, login) -> None:
    boss = login("boss")
    data = {"site": "qd-mzj", "term": "无令牌词", "kind": "deny", "category": "测试", "severity": "warn", "note": "x"}
    refused = boss.post("/lexicon/entries", data=data)
    assert refused.status_code == 400
    assert "表单已过期" in text(refused)
    assert boss.post("/lexicon/publish", data={"note": "x"}).status_code == 400
    assert rows(app) == []
