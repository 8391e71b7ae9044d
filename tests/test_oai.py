"""OAI-PMH ListRecords pages built from real papers, in arXiv's two formats: every field read as
arXiv means it (the datestamp is the last change, not the submission), deleted records reported
apart, OAI errors and pages that are no OAI-PMH named, bad records skipped with their line."""

from __future__ import annotations

import re

import pytest

from semdigest.errors import OAIError
from semdigest.readers.oai import parse_page

from .arxiv_metadata import (LICENSE, created, oai_deleted, oai_error, oai_page, oai_record, real_papers,
                             updated)

OLD_STYLE = "hep-th/9108001"


def _papers(count: int = 100):
    return [p for p in real_papers() if p.categories][:count]


@pytest.mark.parametrize("format", ["arXivRaw", "arXiv"])
def test_a_page_built_from_real_papers_reads_back_field_for_field(format):
    papers = _papers()
    records = [oai_record(p, format, versions=1 + i % 3) for i, p in enumerate(papers)]
    page = parse_page(oai_page(records, token="6960524|1001", cursor=0, size=2837), "oai page 1")
    assert (page.token, page.cursor, page.complete_size) == ("6960524|1001", 0, 2837)
    assert len(page.papers) == len(papers) and not page.deleted and not page.skipped
    for i, (paper, original) in enumerate(zip(page.papers, papers)):
        versions = 1 + i % 3
        assert (paper.arxiv_id, paper.title, paper.abstract, paper.authors, paper.categories) == \
            (original.arxiv_id, original.title, original.abstract, original.authors, original.categories)
        # The datestamp is the record's last change; the paper's date is version 1's submission.
        assert paper.date == created(original, 1).date() and paper.updated == updated(original, versions)
        assert paper.revised == (created(original, versions).date() if versions > 1 else None)
        assert (paper.doi, paper.license, paper.comments) == (f"10.48550/arXiv.{original.arxiv_id}", LICENSE,
                                                              "12 pages, 4 figures")
        assert paper.source == "oai page 1" and paper.line > 1
        if format == "arXivRaw":  # every version with its time, and the submitter
            assert [v.created for v in paper.versions] == [created(original, n) for n in range(1, versions + 1)]
            assert paper.version == versions and paper.submitter == original.authors[0]
        else:  # created and updated days only
            assert paper.versions == () and paper.version is None


def test_deleted_records_are_reported_apart_and_are_no_papers():
    papers = _papers(4)
    records = [oai_record(papers[0]), oai_deleted("2606.00001", "2026-05-02"), oai_record(papers[1]),
               oai_deleted(OLD_STYLE)]
    page = parse_page(oai_page(records, token=""))  # an empty token: the list is complete
    assert [p.arxiv_id for p in page.papers] == [papers[0].arxiv_id, papers[1].arxiv_id]
    assert [(d.arxiv_id, str(d.datestamp)) for d in page.deleted] == [("2606.00001", "2026-05-02"),
                                                                      (OLD_STYLE, "2026-05-01")]
    assert page.token is None


def test_old_style_ids_and_structured_authors_with_suffixes_and_latex():
    paper = _papers(1)[0]
    record = oai_record(paper, "arXiv", arxiv_id=OLD_STYLE).replace(
        "<authors>", "<authors><author><keyname>Bal\\'azs</keyname><forenames>C.</forenames>"
                     "<suffix>Jr</suffix><affiliation>MSU</affiliation></author>", 1)
    got = parse_page(oai_page([record])).papers[0]
    assert got.arxiv_id == OLD_STYLE and got.authors == ("C. Balázs Jr", *paper.authors)


def test_no_records_match_is_an_empty_complete_page():
    page = parse_page(oai_error("noRecordsMatch", "No records match the request"))
    assert page.papers == () and page.token is None


@pytest.mark.parametrize("code", ["badResumptionToken", "badArgument", "cannotDisseminateFormat", "noSetHierarchy"])
def test_oai_errors_are_raised_with_their_code(code):
    with pytest.raises(OAIError, match=f"answered {code}: the reason") as error:
        parse_page(oai_error(code, "the reason"), "http://127.0.0.1/oai")
    assert error.value.code == code and str(error.value).startswith("http://127.0.0.1/oai: ")


@pytest.mark.parametrize("data, reason", [
    (b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><ListRecords><record>", "broken XML"),
    (b"<html><body>Service unavailable</body></html>", "its root is <html>"),
    (b"", "broken XML"),
    (b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><GetRecord/></OAI-PMH>", "not a ListRecords"),
])
def test_what_is_no_oai_page_is_named(data, reason):
    with pytest.raises(OAIError, match=reason) as error:
        parse_page(data, "page")
    assert error.value.code is None


def test_a_page_with_entities_is_refused_and_no_file_is_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    record = oai_record(_papers(1)[0]).replace("<title>", "<title>&xxe;", 1)
    page = oai_page([record]).decode().replace(
        "<OAI-PMH", f'<!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<OAI-PMH', 1)
    with pytest.raises(OAIError, match="declares a DTD") as error:
        parse_page(page.encode())
    assert "SECRET" not in str(error.value)


def test_text_with_an_encoding_declaration_reads_like_its_bytes():
    data = oai_page([oai_record(p) for p in _papers(5)])
    assert parse_page(data.decode("utf-8")).papers == parse_page(data).papers


def test_bad_records_are_skipped_with_their_line_and_reason():
    papers = _papers(8)
    good = [oai_record(p) for p in papers]
    bad = {
        "no identifier": good[1].replace("oai:arXiv.org:", "oai:arXiv.org:not-an-id-", 1),
        "no title": re.sub(r"<title>.*?</title>", "<title> </title>", good[2], flags=re.S),
        "a bad version date": good[3].replace("<date>", "<date>sometime ", 1),
        "another format": good[4].replace("<arXivRaw xmlns=\"http://arxiv.org/OAI/arXivRaw/\"",
                                          "<oai_dc xmlns=\"http://www.openarchives.org/OAI/2.0/oai_dc/\"", 1)
        .replace("</arXivRaw>", "</oai_dc>"),
        "ids that disagree": good[5].replace(f"<id>{papers[5].arxiv_id}</id>", "<id>2601.00001</id>", 1),
        "no metadata": good[6].split("<metadata>")[0] + "</record>\n",
    }
    reasons = {"no identifier": "identifier:", "no title": "no title", "a bad version date": "versions[0].created",
               "another format": "'oai_dc' format", "ids that disagree": "the header names",
               "no metadata": "no <metadata>"}
    records = [good[0], *bad.values(), good[7]]
    page = parse_page(oai_page(records), "page 3")
    assert [p.arxiv_id for p in page.papers] == [papers[0].arxiv_id, papers[7].arxiv_id]
    assert len(page.skipped) == len(bad)
    lines = oai_page(records).decode().split("\n")
    for skip, name in zip(page.skipped, bad):
        assert reasons[name] in skip.reason, (name, skip.reason)
        assert lines[skip.line - 1].startswith("<record>")
    assert all(w.startswith("page 3:") for w in page.warnings)
