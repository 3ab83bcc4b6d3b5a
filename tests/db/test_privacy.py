"""Resident ID numbers never reach the database in clear."""

from __future__ import annotations

from sqlalchemy import text

from core.cases.privacy import hash_id_number, mask_id_number
from core.cases.service import CaseService
from core.db.models import Base
from tests.casefile_samples import ILL, D, staff

ID = "11010519491231002X"


def test_masking_and_hashing():
    assert mask_id_number(ID) == "**************002X"
    assert hash_id_number(ID) == hash_id_number(ID.lower())
    assert ID not in hash_id_number(ID)


def test_the_full_number_is_nowhere_in_the_database(session, registry):
    household = {**ILL, "members": [{**ILL["members"][0], "idNumber": ID}]}
    service = CaseService(session, registry)
    caseworker = staff("hebei", "caseworker")
    case = service.open_case(caseworker, "hebei", household, on=D("2026-09-30"))
    service.transition(caseworker, case.id, "update_facts", 1, D("2026-10-08"), household=household)
    everything = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(text(f'select * from "{table.name}"')):
            everything.append(" ".join(map(str, row)))
    dump = "\n".join(everything)
    assert ID not in dump and ID.lower() not in dump
    assert "**************002X" in dump  # shown masked in the records
    assert case.household["members"][0]["idNumber"] == "**************002X"
    [found] = service.find_by_id_number(caseworker, ID)
    assert found.id == case.id
    assert service.find_by_id_number(staff("gansu", "caseworker"), ID) == []


def test_the_masked_form_does_not_narrow_the_birth_date(session, registry):
    household = {**ILL, "members": [{**ILL["members"][0], "idNumber": ID}]}
    case = CaseService(session, registry).open_case(
        staff("hebei", "caseworker"), "hebei", household, on=D("2026-09-30")
    )
    shown = case.household["members"][0]["idNumber"]
    assert shown == "**************002X"
    dump = "\n".join(
        " ".join(map(str, row))
        for table in Base.metadata.sorted_tables
        for row in session.execute(text(f'select * from "{table.name}"'))
    )
    # neither the region code nor the birth date is kept anywhere
    assert "110105" not in dump and "19491231" not in dump


def test_id_numbers_typed_into_free_text_are_masked_before_they_are_stored(session, registry):
    named = {**ILL, "members": [{**ILL["members"][0], "name": f"张三 {ID}"}]}
    service = CaseService(session, registry)
    caseworker = staff("hebei", "caseworker")
    case = service.open_case(caseworker, "hebei", named, on=D("2026-09-30"))
    assert case.household["members"][0]["name"] == "张三 **************002X"
    service.transition(
        caseworker,
        case.id,
        "update_facts",
        1,
        D("2026-10-08"),
        f"核对身份证{ID}无误",
        household=ILL,
    )
    dump = "\n".join(
        " ".join(map(str, row))
        for table in Base.metadata.sorted_tables
        for row in session.execute(text(f'select * from "{table.name}"'))
    )
    assert ID not in dump and ID[:14] not in dump
    assert "核对身份证**************002X无误" in dump


def test_there_is_no_default_key(monkeypatch):
    """The finding: without BANGFU_ID_HASH_KEY the public development key was used, and ID
    numbers were recovered by brute force. Now there is no key to fall back on."""
    import pytest

    from core.cases import privacy

    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.delenv(privacy.KEY_FILE_ENV, raising=False)
    assert privacy.key_problem() is not None
    with pytest.raises(privacy.MissingHashKey):
        hash_id_number(ID)
    assert not any("development" in str(v) for v in vars(privacy).values() if isinstance(v, bytes))
    monkeypatch.setenv(privacy.KEY_ENV, "too short")
    with pytest.raises(privacy.MissingHashKey):
        hash_id_number(ID)


def test_the_hash_cannot_be_recomputed_with_the_old_public_key(session, registry):
    import hashlib
    import hmac

    household = {**ILL, "members": [{**ILL["members"][0], "idNumber": ID}]}
    CaseService(session, registry).open_case(
        staff("hebei", "caseworker"), "hebei", household, on=D("2026-09-30")
    )
    stored = session.scalar(text("select id_hash from member_identities"))
    public = b"bangfu-development-key-not-for-production"
    assert stored != hmac.new(public, ID.encode(), hashlib.sha256).hexdigest()
    assert stored == hash_id_number(ID)


def test_a_database_error_never_carries_its_parameters(session):
    import pytest
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from core.db.models import ApiToken

    row = {"token_hash": "a" * 64, "tenant": "hebei", "role": "caseworker", "user": "秘密的名字"}
    session.execute(insert(ApiToken), [row])
    with pytest.raises(IntegrityError) as info:
        session.execute(insert(ApiToken), [row])
    session.rollback()
    assert "秘密的名字" not in str(info.value)
    assert "hidden" in str(info.value)
