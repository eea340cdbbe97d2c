"""The workbench's shell pages: served to anyone, carrying no data, in English and Chinese."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from invoices.fields import invoice_field_names, invoice_fields
from workbench.views import SCRIPT_MESSAGES

TEMPLATES = sorted((django_settings.BASE_DIR / "templates" / "workbench").glob("*.html"))

PAGES = [
    ("workbench:login", {}, "login"),
    ("workbench:queue", {}, "queue"),
    ("workbench:review", {"invoice_id": 7}, "review"),
    ("workbench:bill", {"bill_id": 3}, "bill"),
    ("workbench:upload", {}, "upload"),
    ("workbench:dashboard", {}, "dashboard"),
    ("workbench:matching", {}, "matching"),
]


def page_config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="workbench-config" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


@pytest.mark.parametrize(("name", "kwargs", "page"), PAGES)
def test_each_page_is_a_shell_with_its_script_and_config(client, db, name, kwargs, page):
    response = client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'class="page-{page}"' in html
    assert "/static/workbench/js/core.js" in html
    assert f"/static/workbench/js/{page}.js" in html
    config = page_config(response)
    assert config["page"] == page
    assert config["loginUrl"] == "/workbench/login/"
    for key, value in kwargs.items():
        assert config[key] == value


def test_review_page_knows_how_pages_are_rendered(client, db, settings):
    settings.OCR_RASTER_DPI = 240
    settings.OCR_CONFIDENCE_THRESHOLD = 0.85
    config = page_config(client.get(reverse("workbench:review", kwargs={"invoice_id": 1})))

    assert config["rasterOcrDpi"] == 240
    assert config["lowConfidence"] == 0.85
    assert config["pageDpi"] > 0


def test_review_page_gets_the_invoice_fields_from_the_one_list(client, db):
    config = page_config(client.get(reverse("workbench:review", kwargs={"invoice_id": 1})))

    assert [spec["name"] for spec in config["invoiceFields"]] == invoice_field_names()
    total = next(spec for spec in config["invoiceFields"] if spec["name"] == "total_amount")
    assert total == {"name": "total_amount", "label": "Total", "kind": "amount", "editable": True}


def test_every_invoice_field_label_is_translated_to_chinese():
    from django.utils import translation

    def labels(language):
        with translation.override(language):
            return {spec.name: str(spec.label) for spec in invoice_fields()}

    english, chinese = labels("en"), labels("zh-hans")
    assert [name for name in english if english[name] == chinese[name]] == []


def test_root_redirects_to_the_workbench(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/workbench/"


def test_pages_read_no_data_so_queries_stay_at_zero(client, db, django_assert_num_queries):
    # The shell never touches the database: all data comes through the API in the browser.
    with django_assert_num_queries(0):
        client.get(reverse("workbench:queue"))


def test_unknown_ids_are_not_routed(client, db):
    assert client.get("/workbench/invoices/abc/").status_code == 404


def test_every_referenced_static_asset_exists():
    for path in [
        "workbench/css/workbench.css",
        "workbench/icon.svg",
        *(f"workbench/js/{page}.js" for page in ["core", *(p for _, _, p in PAGES)]),
    ]:
        assert finders.find(path), path


def test_chinese_is_served_after_switching_language(client, db):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/workbench/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/workbench/login/"

    page = client.get("/workbench/login/")

    html = page.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    config = page_config(page)
    review = page_config(client.get(reverse("workbench:review", kwargs={"invoice_id": 1})))
    labels = {spec["name"]: spec["label"] for spec in review["invoiceFields"]}
    assert labels["total_amount"] == "价税合计"
    assert config["messages"]["logged_out"] == "您已退出登录。"


def test_accept_language_picks_chinese_without_a_cookie(client, db):
    html = client.get("/workbench/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "审核队列" in html


def test_every_script_message_is_translated_to_chinese():
    from django.utils import translation

    def leaves(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from leaves(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value

    def rendered(language):
        with translation.override(language):
            return {key: str(text) for key, text in leaves(SCRIPT_MESSAGES)}

    english, chinese = rendered("en"), rendered("zh-hans")
    assert [key for key in english if english[key] == chinese[key]] == []


def test_the_chinese_catalog_is_complete():
    # Every msgid of the catalog has a translation that is not marked fuzzy.
    catalog = (
        django_settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    ).read_text()
    entries = catalog.split("\n\n")[1:]
    assert entries
    for entry in entries:
        assert "#, fuzzy" not in entry, entry
        assert not entry.rstrip().endswith('msgstr ""'), entry


def _directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize(("name", "kwargs", "page"), PAGES)
def test_each_page_runs_only_the_workbench_own_scripts(client, db, name, kwargs, page):
    # Tokens live in localStorage: an injected inline script must not run and read them.
    response = client.get(reverse(name, kwargs=kwargs))

    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    # Every script in the page is a file of this origin, or the config's JSON (data, not code).
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_has_an_inline_script_or_event_handler(template):
    source = template.read_text()
    for opening, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", source, flags=re.S):
        assert "src=" in opening and not body.strip(), f"inline script in {template.name}"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", source), f"on*= handler in {template.name}"
    assert "javascript:" not in source.lower()
    assert not re.search(r"\sstyle\s*=", source), f"style attribute in {template.name}"
