"""Which columns an import reads: known exports recognised by their headers, explicit mappings, encodings."""

from __future__ import annotations

import codecs

from tests import factories
from tests.conftest import OrgClient, make_org
from tests.imports.helpers import HUBSPOT, MEISHI, SALESFORCE, SANSAN, imported, rows, upload


def test_salesforce_export_is_recognised(org: OrgClient) -> None:
    body = upload(
        org,
        SALESFORCE + "Taro,Yamada,Acme,Manager,Sales,taro@acme.co.jp,03-1234-5678,,,東京都,千代田区,1-1\n",
    )
    assert body["profile"] == "salesforce"
    values = rows(org, body["id"])[0]["values"]
    assert values["given_name"] == "Taro" and values["company"] == "Acme"
    assert values["address"] == "東京都 千代田区 1-1"


def test_hubspot_export_is_recognised(org: OrgClient) -> None:
    body = upload(org, HUBSPOT + "501,Hanako,Sato,hanako@beta.co.jp,03-2222-3333,Beta Inc.,CTO\n")
    assert body["profile"] == "hubspot"
    values = rows(org, body["id"])[0]["values"]
    assert values["title"] == "CTO" and values["emails"] == ["hanako@beta.co.jp"]


def test_sansan_export_is_recognised(org: OrgClient) -> None:
    line = "株式会社ガンマ,営業部,部長,鈴木,一郎,suzuki@gamma.co.jp,03-3333-4444,090-3333-4444,100-0001,東京都千代田区1-1,2026-10-01,Expo 2026\n"
    body = upload(org, SANSAN + line)
    assert body["profile"] == "sansan"
    values = rows(org, body["id"])[0]["values"]
    assert values["family_name"] == "鈴木" and values["mobile"] == "090-3333-4444"
    assert values["met_at"] == "2026-10-01" and values["met_where"] == "Expo 2026"


def test_meishi_export_is_recognised_with_multi_valued_cells(org: OrgClient) -> None:
    line = "c1,山田,太郎,山田 太郎,ヤマダ タロウ,Taro Yamada,アクメ,営業部,課長,a@acme.co.jp; b@acme.co.jp,03-1111-2222,,,vip; expo,u1,\n"
    body = upload(org, MEISHI + line)
    assert body["profile"] == "meishi"
    values = rows(org, body["id"])[0]["values"]
    assert values["emails"] == ["a@acme.co.jp", "b@acme.co.jp"]
    assert values["tags"] == ["vip", "expo"]


def test_unknown_header_without_mapping_is_refused(org: OrgClient) -> None:
    body = upload(org, "Nom,Courriel\nDupont,d@x.fr\n", status=422)
    assert body["errors"][0]["code"] == "unrecognised_header"


def test_explicit_mapping_reads_other_headers(org: OrgClient) -> None:
    body = upload(
        org,
        "Nom,Courriel,Société\nJean Dupont,jean@dupont.fr,Dupont SA\n",
        mapping={"Nom": "full_name", "Courriel": "emails", "Société": "company"},
    )
    assert body["profile"] == "mapping"
    values = rows(org, body["id"])[0]["values"]
    assert values == {"full_name": "Jean Dupont", "emails": ["jean@dupont.fr"], "company": "Dupont SA"}


def test_mapping_to_an_unknown_field_is_refused(org: OrgClient) -> None:
    body = upload(org, "Nom\nDupont\n", mapping={"Nom": "surname"}, status=422)
    assert body["errors"][0]["field"] == "mapping.Nom"


def test_utf8_with_bom_is_read(org: OrgClient) -> None:
    data = codecs.BOM_UTF8 + (HUBSPOT + "1,花子,佐藤,h@beta.co.jp,,ベータ,部長\n").encode()
    body = upload(org, data)
    assert body["encoding"] == "utf-8-sig" and body["profile"] == "hubspot"


def test_cp932_is_detected(org: OrgClient) -> None:
    body = upload(org, SANSAN + "株式会社ガンマ,営業部,部長,髙橋,一郎,t@gamma.co.jp,,,,,,\n", charset="cp932")
    assert body["encoding"] == "cp932"
    assert rows(org, body["id"])[0]["values"]["family_name"] == "髙橋"


def test_vcard_is_read(org: OrgClient) -> None:
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:山田 太郎\r\nN:山田;太郎;;;\r\nORG:アクメ;営業部\r\n"
        "TITLE:課長\r\nEMAIL;TYPE=WORK:taro@acme.co.jp\r\nTEL;TYPE=CELL:090-1111-2222\r\nEND:VCARD\r\n"
    )
    body = upload(org, card, filename="contacts.vcf")
    assert body["format"] == "vcard"
    values = rows(org, body["id"])[0]["values"]
    assert values["company"] == "アクメ" and values["department"] == "営業部"
    assert values["mobile"] == "090-1111-2222"


def test_a_file_the_csv_export_wrote_is_recognised_as_meishis(org: OrgClient) -> None:
    factories.contact(
        org, full_name="佐藤 花子", emails=[{"value": "h@beta.co.jp"}, {"value": "h2@beta.co.jp"}]
    )
    exported = org.get("/api/v1/contacts/export.csv")
    assert exported.status_code == 200
    body = upload(org, exported.get_data(), filename="export.csv")
    assert body["profile"] == "meishi"


def test_our_own_export_imported_elsewhere_loses_the_formula_escape(org: OrgClient) -> None:
    factories.contact(org, full_name="佐藤 花子", phones=[{"value": "+81 3-1234-5678"}])
    exported = org.get("/api/v1/contacts/export.csv").get_data()
    assert b"'+81 3-1234-5678" in exported  # escaped against spreadsheet formulas
    other = make_org(org.app, "Other Org")
    done = imported(other, exported.decode("utf-8-sig"), filename="export.csv")
    contact_id = rows(other, done["id"])[0]["contact_id"]
    phones = other.get(f"/api/v1/contacts/{contact_id}").get_json()["phones"]
    assert [p["value"] for p in phones] == ["+81 3-1234-5678"]
