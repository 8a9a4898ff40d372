"""linkage.exchange.safezip on its own: what it returns for a good ZIP and how it refuses the others."""

import io
import struct
import zipfile

import pytest

from linkage.exchange.safezip import UnsafeZip, unzip


def make(members, **kw):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


def test_good_zip_gives_its_members_in_order():
    data = make([("UPPLAN_a.CSV", b"1\r\n"), ("UPSIKYU_a.CSV", b"2\r\n")])
    assert unzip(data) == [("UPPLAN_a.CSV", b"1\r\n"), ("UPSIKYU_a.CSV", b"2\r\n")]


def test_ms932_member_names_of_japanese_windows_are_decoded():
    raw = "実績.CSV".encode("cp932")  # 8 bytes, written without the UTF-8 flag as Windows does
    data = make([("XXXX.CSV", b"x")]).replace(b"XXXX.CSV", raw)
    [(name, _)] = unzip(data)
    assert name == "実績.CSV"


def test_a_member_that_expands_beyond_its_declared_size_is_stopped():
    data = bytearray(make([("UPPLAN_a.CSV", b"0" * 5000)]))
    # declare 100 bytes in the central directory and the local header: the real content is 5000
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 100)
    struct.pack_into("<I", data, 22, 100)
    with pytest.raises(UnsafeZip, match="展開"):
        unzip(bytes(data))


def test_limits_are_arguments():
    data = make([("a.CSV", b"x" * 2000)])
    with pytest.raises(UnsafeZip, match="大きすぎます"):
        unzip(data, max_member_bytes=1000)
    with pytest.raises(UnsafeZip, match="大きすぎます"):
        unzip(make([("a.CSV", b"x" * 600), ("b.CSV", b"y" * 600)]), max_total_bytes=1000)
    with pytest.raises(UnsafeZip, match="2個のファイル"):
        unzip(make([("a.CSV", b""), ("b.CSV", b"")]), max_members=1)


@pytest.mark.parametrize("name", ["C:evil.CSV", "..", "a\\b.CSV", "/abs.CSV"])
def test_names_with_paths_or_drives_are_refused(name):
    with pytest.raises(UnsafeZip, match="フォルダ付きの名前"):
        unzip(make([(name, b"x")]))


def test_encrypted_and_duplicate_members_are_refused():
    data = bytearray(make([("a.CSV", b"x")]))
    central = data.rfind(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, central + 8)[0]
    struct.pack_into("<H", data, central + 8, flags | 0x1)
    with pytest.raises(UnsafeZip, match="パスワード付き"):
        unzip(bytes(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf, pytest.warns(UserWarning):
        zf.writestr("a.CSV", b"1")
        zf.writestr("a.CSV", b"2")
    with pytest.raises(UnsafeZip, match="同じ名前"):
        unzip(buffer.getvalue())
