"""Staff pages of verification and evidence, under ``/staff/{tenant}``:

* on a file's page and its survey pages: the comparison beside the household (declared
  against found, with the source, date and document), with the forms that resolve a
  difference, and the evidence list with its upload form;
* ``/differences``: the differences worklist, the money at stake first;
* ``/cases/{id}/evidence/{doc}``: a document shown (images inline, PDFs opened), and
  ``/evidence/{doc}/content`` its bytes, ``no-store``, each read recorded.

Server-rendered like the case pages (:mod:`core.web.routes`), through the same desk and
services as GraphQL, so every rule, role and refusal is the API's. A POST carries the
form token; a refusal shows the file's page again with the message in both languages.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from core.cases.views import CaseView
from core.errors import BangfuError, bad_input
from core.evidence.documents import Evidence
from core.evidence.kinds import KINDS, label
from core.money import format_yuan
from core.registry import Registry, Tenant
from core.verification.facts import FACTS
from core.verification.graphql import EFFECTS_ZH, STATES_ZH
from core.verification.service import VerificationService
from core.verification.sources import sources_of
from core.web.desk import Desk, open_desk
from core.web.pages import SECURITY_HEADERS, page, see_other
from core.web.presenters import Notice, brand_of, http_status, refusal, signed, staff_tenant
from core.web.session import check_form_token

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
#: a document's bytes: never cached, never sniffed, never run (sandboxed), shown inline
CONTENT_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "same-origin",
}


def _tenant(request: Request, code: str) -> Tenant:
    registry: Registry = request.app.state.registry
    return staff_tenant(registry, code)


def _verification(request: Request, desk: Desk) -> VerificationService:
    return VerificationService(desk.cases.session, request.app.state.registry)


def _evidence(request: Request, desk: Desk) -> Evidence:
    return Evidence(desk.cases.session, request.app.state.registry)


def _member(view: CaseView, index: int | None) -> str:
    if index is None:
        return "全户"
    members = view.household.get("members") or []
    return str(members[index].get("name") or index + 1) if index < len(members) else str(index)


def file_checks(request: Request, desk: Desk, view: CaseView) -> dict[str, Any]:
    """What the file's pages show of verification and evidence (the template
    ``_checks.html``): the differences, with what may be done about each, and the
    documents on the file."""
    differences = _verification(request, desk).differences(desk.principal, view.id, everything=True)
    documents = _evidence(request, desk).documents(desk.principal, view.id)
    sources = sources_of(desk.tenant)
    return {
        "checks": {
            "differences": [
                {
                    "id": d.id,
                    "member": _member(view, d.member_index),
                    "fact": FACTS[d.fact].zh if d.fact in FACTS else d.fact,
                    "fact_en": FACTS[d.fact].en if d.fact in FACTS else d.fact,
                    "declared": d.declared,
                    "found": d.found,
                    "source": sources[d.source].zh if d.source in sources else d.source,
                    "source_date": d.source_date,
                    "reference": d.reference,
                    "blocking": d.blocking,
                    "effect": EFFECTS_ZH.get(d.effect, d.effect),
                    "at_stake": format_yuan(d.at_stake),
                    "state": d.state,
                    "state_zh": STATES_ZH.get(d.state, d.state),
                    "reason": d.reason,
                    "mine": d.resolved_by == desk.principal.user,
                }
                for d in differences
                if d.state != "superseded"
            ],
            "documents": [
                {
                    "id": d.id,
                    "kind": label(d.kind)[0],
                    "title": d.title,
                    "media_type": d.media_type,
                    "size_kb": max(1, d.size // 1024),
                    "uploaded_by": d.uploaded_by,
                    "uploaded_on": d.uploaded_on,
                    "image": d.media_type.startswith("image/"),
                }
                for d in documents
            ],
            "kinds": KINDS,
            "version": view.version,
            "case_id": view.id,
        }
    }


def _back(where: Tenant, case_id: str) -> Redirect:
    return see_other(f"{brand_of(where).base}/cases/{case_id}")


def _again(request: Request, where: Tenant, desk: Desk, case_id: str, exc: BangfuError) -> Template:
    from core.web.routes import _case_page

    return _case_page(request, where, desk, case_id, http_status(exc), refusal(exc))


@post("/{tenant:str}/cases/{case_id:str}/differences/{difference:str}", sync_to_thread=True)
def resolve_difference(
    request: Request,
    tenant: FromPath[str],
    case_id: FromPath[str],
    difference: FromPath[str],
    data: Form,
) -> Template | Redirect:
    """Accept the source's value, ask to keep the declared one, or confirm / send back."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    with open_desk(request, where) as desk:
        service = _verification(request, desk)
        how = str(data.get("how") or "")
        text = str(data.get("reason") or "")
        try:
            if how == "accept":
                version = str(data.get("expectedVersion") or "")
                if not version.isdigit():
                    raise bad_input("the page's version is missing", "页面版本缺失,请刷新")
                service.accept(desk.principal, difference, int(version), text or None)
            elif how == "keep":
                service.keep(desk.principal, difference, text)
            elif how in ("agree", "disagree"):
                service.confirm(desk.principal, difference, how == "agree", text or None)
            else:
                raise bad_input("say how the difference is resolved", "请选择处理方式")
        except BangfuError as exc:
            return _again(request, where, desk, case_id, exc)
        return _back(where, case_id)


@post("/{tenant:str}/cases/{case_id:str}/evidence", sync_to_thread=True)
def upload_evidence(
    request: Request, tenant: FromPath[str], case_id: FromPath[str], data: Upload
) -> Template | Redirect:
    """Put a scan or a photograph on the file (multipart form)."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    with open_desk(request, where) as desk:
        try:
            upload = data.get("document")
            content = upload.file.read() if upload is not None and hasattr(upload, "file") else b""
            version = str(data.get("expectedVersion") or "")
            if not version.isdigit():
                raise bad_input("the page's version is missing", "页面版本缺失,请刷新")
            _evidence(request, desk).upload(
                desk.principal,
                case_id,
                int(version),
                str(data.get("kind") or ""),
                content,
                str(data.get("title") or ""),
            )
        except BangfuError as exc:
            return _again(request, where, desk, case_id, exc)
        back = str(data.get("back") or "")
        if back.startswith(f"{brand_of(where).base}/cases/{case_id}/facts/"):
            return see_other(back)  # back to the survey form it was uploaded from
        return _back(where, case_id)


@get("/{tenant:str}/cases/{case_id:str}/evidence/{document:str}", sync_to_thread=True)
def view_evidence(
    request: Request, tenant: FromPath[str], case_id: FromPath[str], document: FromPath[str]
) -> Template:
    """One document, shown: an image in the page, a PDF opened by the browser."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        view = desk.cases.get_case(desk.principal, case_id)
        shown = next(
            (
                d
                for d in file_checks(request, desk, view)["checks"]["documents"]
                if str(d["id"]) == document
            ),
            None,
        )
        if shown is None:
            raise bad_input(f"no document {document[:20]} on this file", "本档案没有该材料")
        return page(
            request,
            "evidence.html",
            brand_of(where),
            case_id=view.id,
            document=shown,
            signed=signed(desk.principal),
        )


@get("/{tenant:str}/evidence/{document:str}/content", sync_to_thread=True)
def evidence_content(
    request: Request, tenant: FromPath[str], document: FromPath[str]
) -> Response[bytes]:
    """A document's bytes, ``no-store``, sandboxed; the read is recorded."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        read = _evidence(request, desk).read(desk.principal, document)
    suffix = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    name = f"evidence-{read.document.id}.{suffix.get(read.document.media_type, 'bin')}"
    return Response(
        read.content,
        media_type=read.document.media_type,
        headers={**CONTENT_HEADERS, "Content-Disposition": f'inline; filename="{name}"'},
    )


@get("/{tenant:str}/differences", sync_to_thread=True)
def differences_worklist(request: Request, tenant: FromPath[str]) -> Template:
    """Files whose declarations a roster contradicts, the money at stake first."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        items = _verification(request, desk).worklist(desk.principal, 200)
        return page(
            request,
            "differences.html",
            brand_of(where),
            items=[
                {
                    "case": i.case_number,
                    "applicant": i.applicant,
                    "effect": EFFECTS_ZH.get(i.effect, i.effect),
                    "ends": i.effect == "ends",
                    "at_stake": format_yuan(i.at_stake),
                    "differences": i.differences,
                    "blocking": i.blocking,
                }
                for i in items
            ],
            signed=signed(desk.principal),
        )


def verification_pages() -> list[Any]:
    """The route handlers, for :func:`core.web.routes.staff_pages`."""
    return [
        resolve_difference,
        upload_evidence,
        view_evidence,
        evidence_content,
        differences_worklist,
    ]


__all__ = ["SECURITY_HEADERS", "Notice", "file_checks", "verification_pages"]
