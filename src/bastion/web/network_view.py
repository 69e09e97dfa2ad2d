"""The network drawing on a case page: members on a circle, seller, facilitator and buyer each with its own
colour and shape (readable without colour), and the links that matter drawn strong (between a seller or
facilitator and anyone else in the network); links among plain members stay faint."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from sqlalchemy import Engine, select

from bastion.store.tables import follows

#: role -> (colour, shape, what it means); the legend is built from this table.
ROLE_STYLE = {
    "seller": ("#b03a2e", "square", "offers or sells access"),
    "facilitator": ("#7d3c98", "diamond", "connects sellers and buyers"),
    "buyer": ("#b9770e", "triangle", "seeks or buys"),
    "member": ("#5d6d7e", "circle", "in the network, role unclear"),
}
KEY_ROLES = ("seller", "facilitator")
MAX_DRAWN = 60


def style(role: str) -> tuple[str, str, str]:
    return ROLE_STYLE.get(role, ROLE_STYLE["member"])


def _shape(kind: str, x: float, y: float, colour: str, title: str) -> str:
    tip = f"<title>{escape(title)}</title>"
    if kind == "square":
        return f'<rect x="{x - 6:.0f}" y="{y - 6:.0f}" width="12" height="12" fill="{colour}">{tip}</rect>'
    if kind == "diamond":
        pts = f"{x:.0f},{y - 8:.0f} {x + 8:.0f},{y:.0f} {x:.0f},{y + 8:.0f} {x - 8:.0f},{y:.0f}"
        return f'<polygon points="{pts}" fill="{colour}">{tip}</polygon>'
    if kind == "triangle":
        pts = f"{x:.0f},{y - 7:.0f} {x + 7:.0f},{y + 6:.0f} {x - 7:.0f},{y + 6:.0f}"
        return f'<polygon points="{pts}" fill="{colour}">{tip}</polygon>'
    return f'<circle cx="{x:.0f}" cy="{y:.0f}" r="6" fill="{colour}">{tip}</circle>'


def network_drawing(engine: Engine, platform: str, members: list[dict[str, Any]], size: int = 380) -> str:
    """SVG of the highest-scoring members (up to 60) and the follow links among them."""
    drawn = sorted(members, key=lambda m: (-m["score"], m["account_id"]))[:MAX_DRAWN]
    if not drawn:
        return ""
    role = {m["account_id"]: str(m["role"]) for m in drawn}
    ids = list(role)
    with engine.connect() as conn:
        links = conn.execute(
            select(follows.c.follower_id, follows.c.followee_id).where(
                follows.c.platform == platform, follows.c.follower_id.in_(ids), follows.c.followee_id.in_(ids)
            )
        ).all()
    centre, radius = size / 2, size / 2 - 24
    pos = {
        a: (
            centre + radius * math.cos(2 * math.pi * i / len(ids)),
            centre + radius * math.sin(2 * math.pi * i / len(ids)),
        )
        for i, a in enumerate(ids)
    }
    key_links = sum(1 for a, b in links if role[a] in KEY_ROLES or role[b] in KEY_ROLES)
    label = (
        f"{len(ids)} members drawn, {len(links)} follow links, {key_links} involving a seller or facilitator"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(label)}">'
    ]
    for a, b in sorted(links, key=lambda link: role[link[0]] in KEY_ROLES or role[link[1]] in KEY_ROLES):
        strong = role[a] in KEY_ROLES or role[b] in KEY_ROLES
        (x1, y1), (x2, y2) = pos[a], pos[b]
        stroke = 'stroke="#34495e" stroke-width="1.6"' if strong else 'stroke="#c8ccd6" stroke-width="1"'
        parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" {stroke} />')
    for a in ids:
        colour, kind, _meaning = style(role[a])
        parts.append(_shape(kind, *pos[a], colour, f"{a} ({role[a]})"))
    parts.append("</svg>")
    return "".join(parts)


def legend() -> list[dict[str, str]]:
    return [
        {"role": r, "colour": c, "shape": k, "meaning": m, "icon": _legend_icon(k, c)}
        for r, (c, k, m) in ROLE_STYLE.items()
    ]


def _legend_icon(kind: str, colour: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" aria-hidden="true">'
        + _shape(kind, 9, 9, colour, kind).replace(f"<title>{kind}</title>", "")
        + "</svg>"
    )
