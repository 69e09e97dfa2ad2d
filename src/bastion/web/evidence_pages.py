"""Media stand-ins. Reviewers see them only for a case they hold; every tile starts blurred and greyscale,
also after a reload; a deliberate click reveals one item and is recorded (audit and the reviewer's exposure
count, with a break suggested past the configured number); a revealed item can be blurred again."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from PIL import Image, ImageFilter
from sqlalchemy import select

from bastion.api.deps import ReviewDep, Reviewer
from bastion.core.errors import Conflict, InputError
from bastion.review.thumbs import thumbnail_png
from bastion.store.tables import media
from bastion.store.tables_media import media_hash
from bastion.store.tables_review import review_reveals
from bastion.web.case_pages import held
from bastion.web.pages import Id, templates

router = APIRouter(include_in_schema=False)
Item = Annotated[str, Query(min_length=1, max_length=255)]


def _media_item(review: Any, case: dict[str, Any], post: str, media_id: str) -> Any:
    with review.engine.connect() as conn:
        row = conn.execute(
            select(media_hash("pdq")).where(
                media.c.platform == case["platform"], media.c.post_id == post, media.c.media_id == media_id
            )
        ).first()
    if row is None:
        raise InputError("no such media item in this case", field="media")
    return row


@router.get("/cases/{case_id}/media.png")
def media_preview(
    case_id: Id, post: str, media_id: str, me: Reviewer, review: ReviewDep, view: str = "blurred"
) -> Response:
    """The blurred stand-in always; the clear one only after this reviewer's recorded reveal."""
    case = held(review, me, case_id)
    row = _media_item(review, case, post, media_id)
    png = thumbnail_png(row.pdq, f"{post}/{media_id}")
    if view == "clear":
        with review.engine.connect() as conn:
            revealed = conn.execute(
                select(review_reveals.c.reveal_id).where(
                    review_reveals.c.reviewer == me.name,
                    review_reveals.c.case_id == case_id,
                    review_reveals.c.item == f"{post}/{media_id}",
                )
            ).first()
        if revealed is None:
            raise Conflict("reveal the item first (the reveal is recorded)")
    else:
        image = Image.open(io.BytesIO(png)).convert("L").filter(ImageFilter.GaussianBlur(10))
        out = io.BytesIO()
        image.save(out, format="PNG")
        png = out.getvalue()
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/cases/{case_id}/reveal")
def reveal(
    request: Request,
    case_id: Id,
    me: Reviewer,
    review: ReviewDep,
    post: Annotated[str, Form()],
    media_id: Annotated[str, Form()],
    slot: Annotated[int, Form(ge=0, le=10_000)] = 0,
) -> HTMLResponse:
    case = held(review, me, case_id)
    _media_item(review, case, post, media_id)
    exposure = review.desk.reveal(me, case_id, f"{post}/{media_id}")
    return templates.TemplateResponse(
        request,
        "_revealed.html",
        {
            "case": case,
            "post": post,
            "media_id": media_id,
            "slot": slot,
            "exposure": exposure,
            "break_after": review.settings.break_after_reveals,
        },
    )


@router.get("/cases/{case_id}/tile")
def blur_again(
    request: Request,
    case_id: Id,
    me: Reviewer,
    review: ReviewDep,
    post: Item,
    media_id: Item,
    slot: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> HTMLResponse:
    """The blurred tile again, in place of a revealed one (nothing to record: it shows less)."""
    case = held(review, me, case_id)
    _media_item(review, case, post, media_id)
    return templates.TemplateResponse(
        request,
        "_blurred.html",
        {"case": case, "post": post, "media_id": media_id, "slot": slot, "seen": True},
    )
