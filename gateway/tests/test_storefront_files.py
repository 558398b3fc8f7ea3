"""Which files the storefront route serves (gateway/routes/storefront.py): only the
storefront folder's own files of the listed kinds, never anything outside it."""
import pytest

from gateway.routes.storefront import CONTENT_TYPES, STOREFRONT_DIR, storefront_file


def test_the_storefront_files_are_served():
    assert storefront_file("app.js") == STOREFRONT_DIR / "app.js"
    assert storefront_file("pages/search.js") == STOREFRONT_DIR / "pages" / "search.js"
    assert storefront_file("styles.css").suffix in CONTENT_TYPES


@pytest.mark.parametrize("name", [
    "", "../routes/storefront.py", "pages/../../http.py", "./app.js", "pages//search.js", "/etc/passwd",
    "..", ".hidden.js", "pages/", "no-such.js", "x" * 5000, "app.js\x00.css", "pages",
])
def test_nothing_else_is(name):
    assert storefront_file(name) is None


def test_a_file_of_another_kind_is_not_served(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("private")
    (tmp_path / "ok.css").write_text("body {}")
    monkeypatch.setattr("gateway.routes.storefront.STOREFRONT_DIR", tmp_path)
    assert storefront_file("notes.txt") is None
    assert storefront_file("ok.css") == tmp_path / "ok.css"


def test_a_link_out_of_the_folder_is_not_followed(tmp_path, monkeypatch):
    secret = tmp_path / "secret.js"
    secret.write_text("secret")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "leak.js").symlink_to(secret)
    monkeypatch.setattr("gateway.routes.storefront.STOREFRONT_DIR", tmp_path / "site")
    assert storefront_file("leak.js") is None
