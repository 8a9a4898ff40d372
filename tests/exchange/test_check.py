from django.core.files.uploadedfile import SimpleUploadedFile

from tests.exchange.samples import schedule_unit

URL = "/exchange/check/"


def files(unit):
    return [SimpleUploadedFile(name, data, "text/csv") for name, data in unit.files]


def test_valid_send_unit_has_no_errors(member_client):
    unit = schedule_unit()
    page = member_client.post(URL, {"files": files(unit)}).content.decode()
    assert "エラーはありません" in page
    for name, _ in unit.files:
        assert name in page
    assert "第6表（サービス利用票）予定" in page


def test_findings_are_shown_in_japanese(member_client):
    unit = schedule_unit()
    name, data = unit.files[0]
    broken = data.replace(b"202504", b"202513", 1)  # CSVバージョン is first; corrupt a 対象年月 / date
    utf8 = SimpleUploadedFile(name.replace("UPPLAN", "UPPLAN"), "山田".encode() + data, "text/csv")
    page = member_client.post(URL, {"files": [SimpleUploadedFile(name, broken, "text/csv"), utf8]}).content.decode()
    assert "エラー" in page and "件が見つかりました" in page
    assert '<table data-testid="findings">' in page
    page = member_client.post(URL, {"files": [SimpleUploadedFile("hello.txt", b"abc", "text/csv")]}).content.decode()
    assert "接頭辞が標準仕様のファイル種別" in page


def test_no_file_chosen_says_so(member_client):
    page = member_client.post(URL, {}).content.decode()
    assert "CSVファイルを1つ以上選んでください。" in page


def test_check_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_tolerant_check_on_request_shows_what_would_be_assumed(member_client):
    from pathlib import Path

    from tests.forms import submit

    corpus = Path(__file__).resolve().parents[1] / "standard" / "corpus"
    vendor = sorted(corpus.glob("UPJSK_*_2026112921251*.CSV"))
    files = [SimpleUploadedFile(p.name, p.read_bytes(), "text/csv") for p in vendor]
    page = submit(member_client, URL, {"files": files}, button="チェックする").content.decode()
    assert "エラー 42 件" in page and "CSVバージョンとして正しくありません" in page
    files = [SimpleUploadedFile(p.name, p.read_bytes(), "text/csv") for p in vendor]
    page = submit(member_client, URL, {"files": files, "lenient": True}, button="チェックする").content.decode()
    assert "エラーはありません（警告 6 件）" in page and "4.1版（202407）として読みました" in page
