"""Open311 GeoReport v2 interop: the `georeport` client from PyPI (which we did not write)
reads the stub in XML and JSON; POST (which that client lacks) goes through plain `requests`;
every XML answer, errors included, is checked against the element names the spec defines
(FixMyStreet's names for servicerequestupdates)."""

import os
import sys
import xml.etree.ElementTree as ET

import requests
from georeport import GeoReport

BASE = os.environ["BASE"].rstrip("/")
KEY = os.environ["KEY"]
JUR = "hatinh.gov.vn"
ROOT = f"{BASE}/open311/v2"

SPEC = {
    "discovery": {"discovery", "changeset", "contact", "key_service", "endpoints", "endpoint", "specification", "url", "type", "formats", "format"},
    "services": {"services", "service", "service_code", "service_name", "description", "metadata", "type", "keywords", "group"},
    "service_definition": {"service_definition", "service_code", "attributes", "attribute", "variable", "code", "datatype", "required",
                           "datatype_description", "order", "description", "values", "value", "key", "name"},
    "service_requests": {"service_requests", "request", "service_request_id", "status", "status_notes", "service_name", "service_code",
                         "description", "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                         "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url", "token", "account_id"},
    "service_request_updates": {"service_request_updates", "request_update", "update_id", "service_request_id", "status",
                                "updated_datetime", "description", "media_url", "external_status_code"},
    "errors": {"errors", "error", "code", "description"},
}

# Our one extension, beside the spec's elements (as in backend-stub/tests/open311.rs): the
# number of residents who joined a request ("me too", issue 13). The georeport client above
# reads answers carrying it unchanged; nothing else may appear.
SPEC["service_requests"] = SPEC["service_requests"] | {"supporters"}

checked = 0


def check_xml(resp, status, root):
    global checked
    assert resp.status_code == status, (resp.url, resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("text/xml"), resp.headers["content-type"]
    assert resp.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), resp.content[:60]
    doc = ET.fromstring(resp.content)
    assert doc.tag == root, (doc.tag, root)
    names = {e.tag for e in doc.iter()}
    extra = names - SPEC[root]
    assert not extra, f"{resp.url}: elements outside the spec: {extra}"
    checked += 1
    return doc


def main():
    for fmt in ("xml", "json"):
        c = GeoReport(ROOT, jurisdiction=JUR, output_format=fmt)
        services = c.get_service_list()
        codes = [s["service_code"] for s in services]
        assert len(codes) == 12 and "giao_thong" in codes, codes
        d = c.get_service_definition("moi_truong")
        attrs = d["attributes"]["attribute"] if fmt == "xml" else d["attributes"]
        attrs = attrs if isinstance(attrs, list) else [attrs]
        assert attrs[0]["code"] == "muc_do", attrs
        # POST: form-encoded with the key, in this format.
        form = {"api_key": KEY, "jurisdiction_id": JUR, "service_code": "moi_truong", "lat": "18.342", "long": "105.9057",
                "description": f"Nước thải chảy tràn ra đường ({fmt})", "attribute[muc_do]": "nghiem_trong",
                "media_url": "https://example.org/anh/nuoc-thai.jpg", "phone": "0914000001"}
        r = requests.post(f"{ROOT}/requests.{fmt}", data=form, timeout=10)
        if fmt == "xml":
            rid = check_xml(r, 200, "service_requests").find("request/service_request_id").text
        else:
            assert r.status_code == 200, r.text
            rid = r.json()[0]["service_request_id"]
        one = c.get_service_request(rid)
        assert one["service_request_id"] == rid and one["status"] == "open", one
        assert one["service_code"] == "moi_truong" and one["media_url"] == "https://example.org/anh/nuoc-thai.jpg", one
        assert float(one["lat"]) == 18.342 and float(one["long"]) == 105.9057, one
        assert "914000001" not in str(one), "no contact details in Open311"
        listed = c.get_service_requests(service_request_id=rid)
        listed = listed if isinstance(listed, list) else [listed]
        assert [x["service_request_id"] for x in listed] == [rid], listed
        open_ = c.get_service_requests(status="open", service_code="moi_truong")
        open_ = open_ if isinstance(open_, list) else [open_]
        assert rid in [x["service_request_id"] for x in open_], open_
        # Errors through the client: an unknown id, another jurisdiction.
        for call in (lambda: c.get_service_request("999999"), lambda: GeoReport(ROOT, jurisdiction="hue.gov.vn", output_format=fmt).get_service_list()):
            try:
                call()
                raise AssertionError("expected an HTTP error")
            except requests.HTTPError as e:
                assert e.response.status_code == 404, e.response.status_code
                if fmt == "xml":
                    check_xml(e.response, 404, "errors")
                else:
                    body = e.response.json()
                    assert body[0]["code"] == 404 and body[0]["description"], body
        print(f"georeport ({fmt}): services, definition, POST, GET request(s), errors OK")

    # Every XML answer against the spec's element names.
    g = lambda p, **q: requests.get(f"{ROOT}/{p}", params=q, timeout=10)
    check_xml(requests.get(f"{BASE}/open311/discovery.xml", timeout=10), 200, "discovery")
    check_xml(g("services.xml"), 200, "services")
    check_xml(g("services/giao_thong.xml"), 200, "service_definition")
    check_xml(g("requests.xml"), 200, "service_requests")
    check_xml(g("requests.xml", status="open,closed", jurisdiction_id=JUR), 200, "service_requests")
    check_xml(g("servicerequestupdates.xml"), 200, "service_request_updates")
    check_xml(g("services/nope.xml"), 404, "errors")
    check_xml(g("requests.xml", start_date="yesterday"), 400, "errors")
    check_xml(requests.post(f"{ROOT}/requests.xml", data={"service_code": "giao_thong"}, timeout=10), 403, "errors")
    check_xml(requests.post(f"{ROOT}/requests.xml", data={"api_key": "dev-open311-key", "service_code": "giao_thong"}, timeout=10), 403, "errors")
    nowhere = {"api_key": KEY, "service_code": "giao_thong", "description": "Ổ gà lớn giữa đường", "address_string": "12 Trần Phú"}
    doc = check_xml(requests.post(f"{ROOT}/requests.xml", data=nowhere, timeout=10), 400, "errors")
    assert any(e.find("description").text.startswith("lat") for e in doc.findall("error"))
    print(f"{checked} XML answers checked against the GeoReport v2 element names")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        raise
