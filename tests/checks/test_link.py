"""``link`` (structure: hidden links, spam, URL rules) and ``link_reachability`` (错链, SSRF-safe)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest

from checks import registry
from checks.engine import Engine
from checks.finding import Finding, Severity
from checks.lexicon import Lexicon
from checks.linkscan import scan_links
from checks.policy import Policy
from checks.reachability import AllowList, LinkReachabilityCheck, Prober, is_public_address
from checks.textmodel import Draft, TextModel
from tests.checks.conftest import make_lexicon

TODAY = date(2024, 6, 1)
SPAM = make_lexicon(
    ("bet365", "deny", "赌博", "block", "", "博彩网站"),
    ("bet365.com", "deny", "赌博", "block", "", "博彩网站域名"),
    ("博彩", "deny", "赌博", "block", "", "赌博"),
    ("澳门赌场", "deny", "赌博", "block", "", "赌博"),
    ("成人视频", "deny", "色情", "block", "", "色情"),
    ("法轮功", "deny", "邪教", "block", "", "not a spam category"),
)
ENGINE = Engine(SPAM, checks=registry.create(["link"]))


def check(
    body: str, *, url: str = "https://mzj.qingdao.gov.cn/a/t1.html", policy: Policy | None = None
) -> list[Finding]:
    return ENGINE.check(Draft(body_html=body, url=url), policy, today=TODAY).findings


def rules(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, str(f.severity)) for f in findings]


# --- hidden links: one fixture per hiding style -----------------------------------------------

HIDDEN = [
    ("display_none_on_link", '<a href="http://x.com/" style="display:none">优惠</a>'),
    ("display_none_on_ancestor", '<div style="display: none;"><p><a href="http://x.com/">优惠</a></p></div>'),
    ("visibility_hidden", '<a href="http://x.com/" style="visibility:hidden">优惠</a>'),
    ("visibility_hidden_ancestor", '<span style="visibility:hidden"><a href="http://x.com/">优惠</a></span>'),
    ("hidden_attribute", '<div hidden><a href="http://x.com/">优惠</a></div>'),
    ("opacity_zero", '<a href="http://x.com/" style="opacity:0">优惠</a>'),
    ("opacity_zero_percent_ancestor", '<div style="opacity: 0%"><a href="http://x.com/">优惠</a></div>'),
    ("ie_alpha_filter", '<div style="filter:alpha(opacity=0)"><a href="http://x.com/">优惠</a></div>'),
    ("font_size_zero", '<div style="font-size:0"><a href="http://x.com/">优惠</a></div>'),
    ("font_size_zero_px", '<a href="http://x.com/" style="font-size:0px">优惠</a>'),
    ("font_shorthand_zero", '<p style="font:0/0 a"><a href="http://x.com/">优惠</a></p>'),
    ("width_zero", '<div style="width:0;height:0;overflow:hidden"><a href="http://x.com/">优惠</a></div>'),
    ("height_zero", '<a href="http://x.com/" style="display:block;height:0px;overflow:hidden">优惠</a>'),
    ("offscreen_absolute_left", '<div style="position:absolute;left:-9999px"><a href="http://x.com/">优惠</a></div>'),
    ("offscreen_absolute_top", '<div style="position: absolute; top: -3000px"><a href="http://x.com/">优惠</a></div>'),
    ("offscreen_fixed_right", '<div style="position:fixed;right:5000px"><a href="http://x.com/">优惠</a></div>'),
    ("offscreen_margin", '<div style="margin-left:-10000px"><a href="http://x.com/">优惠</a></div>'),
    ("offscreen_translate", '<div style="transform:translateX(-9999px)"><a href="http://x.com/">优惠</a></div>'),
    ("text_indent", '<p style="text-indent:-9999px"><a href="http://x.com/">优惠</a></p>'),
    ("text_indent_50", '<p style="text-indent:-50px"><a href="http://x.com/">优惠</a></p>'),
    ("white_on_white", '<a href="http://x.com/" style="color:#fff">优惠</a>'),
    ("white_on_default_page", '<a href="http://x.com/"><span style="color:white">优惠</span></a>'),
    (
        "same_colour_as_background",
        '<div style="background:#000"><a href="http://x.com/" style="color:#000000">优惠</a></div>',
    ),
    (
        "near_same_colour",
        '<div style="background-color:rgb(250,250,250)"><a href="http://x.com/" style="color:#fefefe">优惠</a></div>',
    ),
    (
        "font_colour_attribute",
        '<td bgcolor="#ffffff"><a href="http://x.com/"><font color="#FFFFFF">优惠</font></a></td>',
    ),
    ("transparent_text", '<a href="http://x.com/" style="color:transparent">优惠</a>'),
    ("zero_width_only", '<a href="http://x.com/">&#8203;&#8203;</a>'),
    ("zero_width_inside", '<a href="http://x.com/">优\u200b惠</a>'),
    ("clip_rect", '<div style="position:absolute;clip:rect(0,0,0,0)"><a href="http://x.com/">优惠</a></div>'),
    ("style_block_class", '<style>.s1{display:none}</style><div class="s1"><a href="http://x.com/">优惠</a></div>'),
    (
        "style_block_id",
        '<style>#k{position:absolute;left:-2000px}</style><p id="k"><a href="http://x.com/">优惠</a></p>',
    ),
    ("noscript", '<noscript><a href="http://x.com/">优惠</a></noscript>'),
    ("iframe_zero_size", '<iframe src="http://x.com/" width="0" height="0"></iframe>'),
    ("iframe_one_pixel", '<iframe src="http://x.com/" width="1" height="1" frameborder="0"></iframe>'),
    ("iframe_display_none", '<iframe src="http://x.com/" style="display:none"></iframe>'),
    ("hidden_image_link", '<a href="http://x.com/"><img src="/a.gif" style="display:none"></a>'),
    ("unclosed_hidden_div", '<div style="display:none"><a href="http://x.com/">优惠'),
]


@pytest.mark.parametrize(("style", "body"), HIDDEN, ids=[s for s, _ in HIDDEN])
def test_when_a_link_is_hidden_then_block(style: str, body: str) -> None:
    findings = [f for f in check(body) if f.rule == "link.hidden"]
    assert [(f.rule, f.severity) for f in findings] == [("link.hidden", Severity.BLOCK)], style
    assert findings[0].details["reasons"]


VISIBLE = [
    ("plain", '<p>详见<a href="https://www.gov.cn/zhengce/">中国政府网</a></p>'),
    ("hidden_sibling_closed", '<div style="display:none"><p>说明</p></div><a href="https://x.gov.cn/">链接</a>'),
    ("p_closed_by_div", '<p style="display:none">说明<div><a href="https://x.gov.cn/">链接</a></div>'),
    (
        "visibility_restored",
        '<div style="visibility:hidden"><a href="https://x.gov.cn/" style="visibility:visible">链接</a></div>',
    ),
    (
        "font_size_restored",
        '<div style="font-size:0"><a href="https://x.gov.cn/" style="font-size:14px">链接</a></div>',
    ),
    (
        "image_link_in_zero_font",
        '<div style="font-size:0"><a href="https://x.gov.cn/"><img src="/logo.png" alt="标志"></a></div>',
    ),
    ("dark_text_on_white", '<a href="https://x.gov.cn/" style="color:#333">链接</a>'),
    ("white_on_blue", '<td style="background:#003366"><a href="https://x.gov.cn/" style="color:#fff">链接</a></td>'),
    (
        "link_colour_default_in_white_div",
        '<div style="color:#fff;background:#fff"><a href="https://x.gov.cn/">链接</a></div>',
    ),
    ("small_indent", '<p style="text-indent:2em"><a href="https://x.gov.cn/">链接</a></p>'),
    ("relative_position", '<div style="position:relative;left:-20px"><a href="https://x.gov.cn/">链接</a></div>'),
    ("positive_absolute_near", '<div style="position:absolute;top:500px"><a href="https://x.gov.cn/">链接</a></div>'),
    ("anchor_without_href", '<a name="top"></a><p>正文</p>'),
    ("same_page_fragment", '<a href="#top"></a>'),
    ("video_iframe", '<iframe src="https://v.qingdao.gov.cn/play/1" width="640" height="360"></iframe>'),
]


@pytest.mark.parametrize(("case", "body"), VISIBLE, ids=[c for c, _ in VISIBLE])
def test_when_a_link_is_visible_then_nothing_is_reported(case: str, body: str) -> None:
    assert check(body) == [], case


def test_when_hidden_link_has_text_then_offsets_cover_the_text_in_the_body() -> None:
    body = '<p>青岛市民政局</p><div style="display:none"><a href="http://x.com/">澳门 优惠</a></div>'
    [finding] = [f for f in check(body) if f.rule == "link.hidden"]
    model = TextModel(Draft(body_html=body))
    assert model.body.text[finding.start : finding.end] == "澳门 优惠" == finding.text


def test_when_hidden_link_has_no_text_then_offsets_are_zero_and_the_url_is_shown() -> None:
    findings = check('<p>正文</p><iframe src="http://x.com/p" width="0" height="0"></iframe>')
    [finding] = [f for f in findings if f.rule == "link.hidden"]
    assert (finding.start, finding.end, finding.text) == (0, 0, "http://x.com/p")


# --- spam --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<a href="https://www.bet365.com/zh">体育</a>', [("link.spam", "block")]),
        ('<a href="https://m.BET365.com/">体育</a>', [("link.spam", "block")]),
        ('<a href="https://example.com/?q=%E5%8D%9A%E5%BD%A9">入口</a>', [("link.spam", "block")]),
        ('<a href="https://example.com/">澳门赌场官网</a>', [("link.spam", "block")]),
        ('<a href="https://example.com/" title="成人视频">入口</a>', [("link.spam", "block")]),
        ('<img src="https://cdn.example.com/bet365/banner.png">', [("link.spam", "block")]),
        ('<a href="https://www.gov.cn/zhengce/">严厉打击网络博彩犯罪</a>', [("link.spam", "warn")]),
        ('<a href="/xxgk/1.html">打击博彩专项行动</a>', [("link.spam", "warn")]),
        ('<a href="https://example.com/">法轮功</a>', []),  # 邪教 terms are the sensitive check's
        ('<a href="https://www.gov.cn/">中国政府网</a>', []),
        ('<a href="https://abet365x.com/">x</a>', []),
    ],
)
def test_when_a_link_names_gambling_or_porn_spam_then_block(body: str, expected: list[tuple[str, str]]) -> None:
    assert rules(check(body)) == expected


def test_when_spam_terms_come_from_spam_tsv_then_any_category_counts() -> None:
    lexicon = Lexicon(
        [e for e in make_lexicon(("蜘蛛池", "deny", "黑帽SEO", "block", "", "n")).entries],
    )
    from dataclasses import replace

    lexicon = Lexicon([replace(e, source="spam.tsv:2") for e in lexicon.entries])
    engine = Engine(lexicon, checks=registry.create(["link"]))
    report = engine.check(Draft(body_html='<a href="https://a.example/">蜘蛛池出租</a>'))
    assert rules(report.findings) == [("link.spam", "block")]


# --- URL rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<a href="javascript:void(0)">点击</a>', [("link.javascript", "warn")]),
        ('<a href=" JavaScript:alert(1)">点击</a>', [("link.javascript", "warn")]),
        ('<a href="java&#x09;script:alert(1)">点击</a>', [("link.javascript", "warn")]),
        ('<a href="data:text/html;base64,PGgxPg==">点击</a>', [("link.data_url", "warn")]),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', [("link.data_url", "info")]),
        ('<a href="http://www.qingdao.gov.cn/">青岛政务网</a>', [("link.insecure", "warn")]),
        ('<img src="http://www.qingdao.gov.cn/logo.png">', [("link.insecure", "warn")]),
        ('<a href="https://www.qingdao.gov.cn/">青岛政务网</a>', []),
        ('<a href="//www.qingdao.gov.cn/">青岛政务网</a>', []),
        ('<a href="/xxgk/2024/1.html">相关文件</a>', []),
        ('<a href="mailto:zwgk@qd.gov.cn">来信</a>', []),
        ('<a href="http//www.qingdao.gov.cn/">网站</a>', [("link.malformed", "warn")]),
        ('<a href="htp://www.qingdao.gov.cn/">网站</a>', [("link.malformed", "warn")]),
        ('<a href="http:/www.qingdao.gov.cn/">网站</a>', [("link.malformed", "warn")]),
        ('<a href="www.qingdao.gov.cn">网站</a>', [("link.malformed", "warn")]),
        ('<a href="file:///C:/Users/admin/Desktop/名单.xls">名单</a>', [("link.malformed", "warn")]),
        ('<a href="C:\\Users\\admin\\名单.xls">名单</a>', [("link.malformed", "warn")]),
        ('<a href="https://www。qingdao。gov。cn/">网站</a>', [("link.malformed", "warn")]),
        ('<a href="https://10.1.2.3/oa/">办公系统</a>', [("link.intranet", "warn")]),
        ('<a href="https://oa.qd.intra/">办公系统</a>', [("link.intranet", "warn")]),
        ('<a href="https://oa/">办公系统</a>', [("link.intranet", "warn")]),
        ('<meta http-equiv="refresh" content="0; url=https://example.com/">', [("link.meta_refresh", "block")]),
        ('<script src="https://cdn.example.com/x.js"></script><p>正文</p>', [("link.script", "warn")]),
        ("<script>document.write('x')</script><p>正文</p>", [("link.script", "warn")]),
        ('<a href="https://www.qingdao.gov.cn/"></a>', [("link.empty", "warn")]),
        ('<a href="https://www.qingdao.gov.cn/" class="sr-only">跳转</a>', [("link.hidden_class", "warn")]),
    ],
)
def test_when_a_url_cannot_work_as_published_then_warn(body: str, expected: list[tuple[str, str]]) -> None:
    assert rules(check(body)) == expected


def test_when_the_site_is_not_https_then_http_links_are_fine() -> None:
    assert check('<a href="http://www.qingdao.gov.cn/">网站</a>', policy=Policy(https_site=False)) == []


def test_when_a_javascript_link_has_text_then_the_finding_covers_the_text() -> None:
    [finding] = check('<p>请<a href="javascript:;">点击这里</a>下载</p>')
    assert finding.text == "点击这里"


# --- robustness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<div" * 10_000,
        "<div>" * 10_000 + '<a href="http://x.com/">x</a>' + "</div>" * 10_000,
        "</span>" * 10_000 + "<a href='http://x.com/'>x",
        '<a href="http://x.com/" style="color:',
        '<a href="http://x.com/" style="color:rgb(1,2">x</a><a href=',
        "<<<>>><a/><a href><a href=''></a><p style='font-size:'>",
        '<div style="display:none">' + "<p>" * 5_000 + "<a href='http://x.com/'>x</a>",
        "<style>" + "{" * 5_000,
        '<a href="https://[::1/">x</a><a href="https://x.com:99999/">y</a>',
        "\x00\ufffd<a href='http://x.com/'>\ud800</a>",
    ],
    ids=[
        "unclosed",
        "deep",
        "stray_end_tags",
        "cut_attr",
        "cut_style",
        "junk",
        "deep_hidden",
        "css_junk",
        "bad_urls",
        "controls",
    ],
)
def test_when_html_is_broken_or_deep_then_the_check_does_not_crash(body: str) -> None:
    findings = check(body)
    assert all(f.rule != "engine.error" for f in findings)


def test_when_deeply_nested_hidden_link_is_scanned_then_it_is_still_found() -> None:
    body = '<div style="display:none">' + "<div>" * 10_000 + '<a href="http://x.com/">优惠</a>'
    assert ("link.hidden", "block") in rules(check(body))


@pytest.mark.parametrize(
    "body",
    [
        '<p style="display:none">正文</p><div><span>没有链接</span></div>',
        "<abbr>缩写</abbr><address>地址</address><aside>旁注</aside>",  # names that start like a, area
        '<p>a<b href="x">粗体</b> <imgx src="x.png"></p>',
        "<!-- <div>注释</div> --><p>1 < 2</p>",
        "",
    ],
)
def test_when_a_body_has_no_url_tags_then_the_quick_answer_equals_the_full_scan(body: str) -> None:
    from checks.linkscan import _Scanner

    assert scan_links(body) == _Scanner(body).scan()


@pytest.mark.parametrize(
    ("body", "tags"),
    [
        ('<P><A HREF="http://x.com/">大写</A></P>', ["a"]),
        ('<img\nsrc="/a.png">', ["img"]),
        ('<meta http-equiv="refresh" content="0;url=http://x.com/">', ["meta"]),
        ('<a"x" href="/y">引号紧跟标签名</a>', ["a"]),
    ],
)
def test_when_a_body_has_url_tags_in_any_spelling_then_they_are_scanned(body: str, tags: list[str]) -> None:
    result = scan_links(body)
    assert [link.tag for link in result.links + result.refresh] == tags


def test_when_the_body_is_20_mb_then_the_scan_is_linear() -> None:
    unit = '<p style="color:#333">第一条 内容<a href="/xxgk/1.html">链接</a></p>'
    body = unit * (20_000_000 // len(unit))
    started = time.perf_counter()
    result = scan_links(body)
    elapsed = time.perf_counter() - started
    assert len(result.links) == 20_000_000 // len(unit)
    assert elapsed < 60


# --- reachability ----------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, body: bool) -> None:
        path = self.path
        if path == "/ok":
            self.send_response(200)
        elif path == "/missing":
            self.send_response(404)
        elif path == "/no-head":
            self.send_response(405 if self.command == "HEAD" else 200)
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
        elif path == "/to-metadata":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        elif path == "/slow":
            time.sleep(2)
            self.send_response(200)
        else:
            self.send_response(500)
        self.send_header("Content-Length", "2" if body else "0")
        self.end_headers()
        if body and self.command == "GET":
            self.wfile.write(b"ok")

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("path", "outcome", "status"),
    [
        ("/ok", "ok", 200),
        ("/missing", "broken", 404),
        ("/no-head", "ok", 200),
        ("/moved", "ok", 200),
        ("/loop", "redirects", None),
        ("/to-metadata", "refused", None),
        ("/error", "broken", 500),
    ],
)
def test_when_a_local_server_allowed_by_config_is_probed_then_the_outcome_is_reported(
    server: str, path: str, outcome: str, status: int | None
) -> None:
    result = Prober(["127.0.0.1"], timeout=5).probe(server + path)
    assert (result.outcome, result.status) == (outcome, status)


def test_when_a_server_is_slower_than_the_timeout_then_it_is_unreachable(server: str) -> None:
    result = Prober(["127.0.0.1"], timeout=0.5).probe(server + "/slow")
    assert (result.outcome, result.detail) == ("unreachable", "访问超时")


def _no_connection(*args: object) -> tuple[int, None]:
    raise AssertionError(f"a connection was attempted: {args}")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://10.255.1.2:8080/admin",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 as a number
    ],
)
def test_when_a_link_resolves_to_a_private_address_then_it_is_refused_before_connecting(url: str) -> None:
    result = Prober([], opener=_no_connection).probe(url)
    assert result.outcome in ("refused", "unreachable")
    if result.outcome == "unreachable":  # only when the resolver cannot even parse the name
        assert result.detail == "域名无法解析"


def test_when_a_name_resolves_to_a_private_address_then_it_is_refused() -> None:
    prober = Prober([], resolver=lambda host, port: ["93.184.216.34", "10.0.0.5"], opener=_no_connection)
    assert prober.probe("https://intranet.example/").outcome == "refused"


def test_when_a_host_is_allowed_then_the_connection_goes_to_the_checked_address() -> None:
    answers = iter([["10.0.0.5"], ["203.0.113.9"]])  # a second lookup would give another address
    calls: list[tuple] = []

    def opener(method, scheme, address, port, host, path, timeout):
        calls.append((method, scheme, address, port, host, path))
        return 200, None

    prober = Prober([".example"], resolver=lambda host, port: next(answers), opener=opener)
    assert prober.probe("https://oa.intranet.example/list?p=1").outcome == "ok"
    assert calls == [("HEAD", "https", "10.0.0.5", 443, "oa.intranet.example", "/list?p=1")]


@pytest.mark.parametrize(
    ("entries", "host", "address", "allowed"),
    [
        (["127.0.0.1"], "127.0.0.1", "127.0.0.1", True),
        (["oa.qd.gov.cn"], "oa.qd.gov.cn", "10.1.1.1", True),
        (["oa.qd.gov.cn"], "x.oa.qd.gov.cn", "10.1.1.1", False),
        ([".qd.intra"], "a.qd.intra", "10.1.1.1", True),
        (["10.0.0.0/8"], "anything", "10.9.9.9", True),
        (["10.0.0.0/8"], "anything", "192.168.0.1", False),
        ([], "127.0.0.1", "127.0.0.1", False),
    ],
)
def test_when_the_allow_list_is_consulted_then_hosts_suffixes_and_networks_match(
    entries: list[str], host: str, address: str, allowed: bool
) -> None:
    assert AllowList(entries).allows(host, address) is allowed


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("10.0.0.1", False),
        ("127.0.0.1", False),
        ("169.254.1.1", False),
        ("::ffff:192.168.0.1", False),
        ("2001:4860:4860::8888", True),
        ("240.0.0.1", False),
    ],
)
def test_when_an_address_is_classified_then_only_global_unicast_is_public(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_when_links_are_checked_in_the_worker_then_broken_and_refused_links_are_warned(server: str) -> None:
    engine = Engine(SPAM, checks=registry.create(["link_reachability"]))
    body = (
        f'<p><a href="{server}/ok">正常</a><a href="{server}/missing">失效</a>'
        f'<a href="{server}/to-metadata">跳转</a><img src="{server}/moved">'
        '<a href="https://www.bet365.com/">不访问</a><a href="#top">顶部</a></p>'
    )
    draft = Draft(body_html=body, metadata={"interpretation_url": f"{server}/missing"})
    report = engine.check(draft, Policy(link_allowed_hosts=("127.0.0.1",)), include_async=True)
    found = sorted((f.rule, f.field, f.text) for f in report.findings)
    assert found == [
        ("link.broken", "body", "失效"),
        ("link.broken", "metadata.interpretation_url", f"{server}/missing"),
        ("link.private_address", "body", "跳转"),
    ]
    assert all(f.severity is Severity.WARN for f in report.findings)


def test_when_links_exist_then_the_synchronous_answer_lists_reachability_as_pending() -> None:
    engine = Engine(SPAM, checks=[LinkReachabilityCheck()])
    with_links = engine.check(Draft(body_html='<a href="https://www.gov.cn/">x</a>'))
    without = engine.check(Draft(body_html="<p>没有链接</p><a href='#top'>顶部</a>"))
    assert with_links.pending_checks == ["link_reachability"]
    assert without.pending_checks == []


def _fake_web(routes: dict[str, tuple[int, str | None]]):
    def opener(method, scheme, address, port, host, path, timeout):
        return routes.get(f"{scheme}://{host}{path}", (404, None))

    return opener


def _public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]  # a public address; never contacted, the opener is fake


@pytest.mark.parametrize(
    ("routes", "rules"),
    [
        ({"https://old.qingdao.gov.cn/": (302, "https://www.qingdao.gov.cn/")}, []),
        ({"https://old.qingdao.gov.cn/": (302, "https://casino.example/")}, ["link.redirect_offsite"]),
        ({"https://old.qingdao.gov.cn/": (301, "/new")}, ["link.broken"]),
    ],
)
def test_when_a_link_redirects_to_another_site_then_warn(
    routes: dict[str, tuple[int, str | None]], rules: list[str]
) -> None:
    routes = {**routes, "https://www.qingdao.gov.cn/": (200, None), "https://casino.example/": (200, None)}
    check = LinkReachabilityCheck(lambda ctx: Prober([], resolver=_public, opener=_fake_web(routes)))
    engine = Engine(SPAM, checks=[check])
    report = engine.check(Draft(body_html='<a href="https://old.qingdao.gov.cn/">旧网址</a>'), include_async=True)
    assert [f.rule for f in report.findings] == rules


def test_when_there_are_more_links_than_the_limit_then_the_rest_are_listed_as_unchecked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from checks import defaults

    monkeypatch.setattr(defaults, "LINK_MAX_URLS", 2)
    routes = {f"https://www.qingdao.gov.cn/{n}": (200, None) for n in range(5)}
    check = LinkReachabilityCheck(lambda ctx: Prober([], resolver=_public, opener=_fake_web(routes)))
    body = "".join(f'<a href="https://www.qingdao.gov.cn/{n}">第{n}条</a>' for n in range(5))
    report = Engine(SPAM, checks=[check]).check(Draft(body_html=body), include_async=True)
    [finding] = report.findings
    assert (finding.rule, finding.severity) == ("link.not_checked", Severity.INFO)
    assert len(finding.details["urls"]) == 3


@pytest.mark.parametrize(
    ("host", "domain"),
    [("www.qingdao.gov.cn", "qingdao.gov.cn"), ("a.b.example.com", "example.com"), ("x.com.cn", "x.com.cn")],
)
def test_when_hosts_are_compared_then_the_registrable_domain_is_used(host: str, domain: str) -> None:
    from checks.reachability import registrable_domain

    assert registrable_domain(host) == domain
