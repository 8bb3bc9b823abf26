"""Page templates are compiled once per server, not once per rendered page (server/compiled_templates.py)."""
from __future__ import annotations

import asyncio
import json

import jinja2
import pytest
from voila.exporter import VoilaExporter
from voila.paths import collect_template_paths

from advocacy_lab.server import compiled_templates
from advocacy_lab.server.app import TEMPLATE_DIR, AdvocacyVoila
from advocacy_lab.server.compiled_templates import CompiledTemplates, share_compiled_templates
from advocacy_lab.server import launch


@pytest.fixture
def original_exporter(monkeypatch):
    """VoilaExporter as Voila ships it, restored after the test."""
    if "_create_environment" in VoilaExporter.__dict__:
        monkeypatch.delattr(VoilaExporter, "_create_environment")
    yield
    # monkeypatch puts back whatever was there before the test.


@pytest.fixture
def compile_count(monkeypatch):
    calls: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        calls.append(name)
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return calls


def course_template_paths() -> list[str]:
    """Where the server looks for its page template: ours first, then Voila's and nbconvert's."""
    return [str(TEMPLATE_DIR), *collect_template_paths(["voila", "nbconvert"], "lab")]


def load_page_template(paths: list[str]) -> jinja2.Template:
    """What Voila does for each page: a new exporter, then its page template."""

    async def load():
        exporter = VoilaExporter(template_paths=paths, template_name="lab", base_url="/")
        return exporter.environment.get_template("index.html.j2")

    return asyncio.run(load())


def test_without_the_shared_cache_every_page_compiles_the_templates_again(original_exporter, compile_count):
    # The cost this module removes: Jinja's own cache lives in one exporter's environment.
    paths = course_template_paths()
    load_page_template(paths)
    first = compile_count.count("index.html.j2")
    load_page_template(paths)
    assert first == 1
    assert compile_count.count("index.html.j2") == 2


def test_with_the_shared_cache_a_second_page_compiles_nothing(original_exporter, compile_count):
    cache = CompiledTemplates()
    share_compiled_templates(cache)
    paths = course_template_paths()
    load_page_template(paths)
    assert "index.html.j2" in compile_count
    compiled = len(compile_count)
    for _ in range(3):
        load_page_template(paths)
    assert len(compile_count) == compiled, "a later page compiled a template again"
    assert cache.hits >= 3
    share_compiled_templates(cache)  # idempotent: still the same one hook
    assert VoilaExporter.__dict__["_create_environment"]._advocacy_cache is cache


def test_an_edited_template_is_compiled_again(original_exporter, tmp_path):
    cache = CompiledTemplates()
    share_compiled_templates(cache)
    folder = tmp_path / "templates" / "lab"
    folder.mkdir(parents=True)
    page = folder / "index.html.j2"
    page.write_text("first {{ 1 + 1 }}", encoding="utf-8")
    paths = [str(folder)]
    assert load_page_template(paths).render() == "first 2"
    page.write_text("second {{ 2 + 2 }}", encoding="utf-8")
    assert load_page_template(paths).render() == "second 4"
    assert cache.compiled == 2


def test_rendered_pages_are_the_same_with_the_cache(original_exporter):
    paths = course_template_paths()
    assert "advocacy" in load_page_template(paths).filename  # our page template, not Voila's
    cache = CompiledTemplates()
    share_compiled_templates(cache)
    # A template that includes others: each included template goes through the cache too.
    loaded = [load_page_template(paths) for _ in range(2)]
    assert loaded[0].filename == loaded[1].filename
    assert cache.hits >= 1


def test_the_server_shares_one_cache_from_its_settings(original_exporter, tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    try:
        app.initialize(launch.build_argv(9124, False, tmp_path) + ["--VoilaConfiguration.preheat_kernel=False"])
        app.init_settings()
        hook = VoilaExporter.__dict__.get("_create_environment")
        assert hook is not None and hook._advocacy_cache is compiled_templates.SHARED
    finally:
        AdvocacyVoila.clear_instance()


def test_the_cache_holds_bytes_not_live_objects():
    # Stored as Jinja's marshalled bytecode: safe to share between environments.
    cache = CompiledTemplates()
    env = jinja2.Environment(loader=jinja2.DictLoader({"t": "{{ x }}"}), bytecode_cache=cache)
    assert env.get_template("t").render(x=json.dumps("a")) == '"a"'
    assert all(isinstance(v, bytes) for v in cache._code.values())
    env2 = jinja2.Environment(loader=jinja2.DictLoader({"t": "{{ x }}"}), bytecode_cache=cache)
    assert env2.get_template("t").render(x=1) == "1"
    assert cache.hits == 1
