"""One settings tree: the store's section from ``core`` plus each capability's section from its manifest.

Every section reads its own ``BASTION_*`` variables (the names operators already use), and the tree
validates them all when it is loaded, so a typo in any variable fails at start naming the variable.
Checks that only matter to one service (a development secret in production) run when that service is
built, so ``bastion hash`` does not need the review service's secret. ``settings_markdown`` renders the
tree for the README, and a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from bastion.core.errors import ConfigError
from bastion.core.settings import ApiLimits, Settings
from bastion.system.plugins import installed


@dataclass(frozen=True)
class BastionSettings:
    """``settings.core.database_url``, ``settings.section("review").secret_key``, …"""

    core: Settings
    sections: dict[str, BaseSettings]

    def section(self, name: str) -> Any:
        try:
            return self.sections[name]
        except KeyError:
            raise ConfigError(f"no settings section {name!r}; sections: {sorted(self.sections)}") from None

    @property
    def database_url(self) -> str:
        return self.core.database_url


def section_classes() -> dict[str, type[BaseSettings]]:
    """``core`` first, then every installed capability that has settings, in pipeline order."""
    classes: dict[str, type[BaseSettings]] = {"core": Settings}
    for cap in installed().capabilities:
        classes.update(cap.settings)
    classes["api"] = ApiLimits
    return classes


def load(**overrides: Any) -> BastionSettings:
    """The tree from the environment; ``overrides`` are core fields (``database_url`` from ``--db``)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    sections: dict[str, BaseSettings] = {}
    core: Settings | None = None
    for name, cls in section_classes().items():
        try:
            value = cls(**clean) if name == "core" else cls()
        except ValidationError as exc:
            raise ConfigError(_named(exc, cls)) from None
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if isinstance(value, Settings):
            core = value
        else:
            sections[name] = value
    assert core is not None
    return BastionSettings(core, sections)


def _named(exc: ValidationError, cls: type[BaseSettings]) -> str:
    prefix = str(cls.model_config.get("env_prefix", "BASTION_"))
    parts = []
    for err in exc.errors(include_url=False):
        name = prefix + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else prefix
        parts.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(parts)


def settings_markdown() -> str:
    """The README's settings table, from the code: variable, default and what it is for."""
    lines: list[str] = []
    seen: set[str] = set()
    for name, cls in section_classes().items():
        lines.append(f"**{name}**\n")
        lines.append("| variable | default | what it is for |")
        lines.append("|---|---|---|")
        prefix = str(cls.model_config.get("env_prefix", "BASTION_"))
        for field, info in cls.model_fields.items():
            var = prefix + field.upper()
            if var in seen:
                continue  # BASTION_ENV and BASTION_SECRET_KEY are read by several sections, listed once
            seen.add(var)
            lines.append(f"| `{var}` | {_default(info)} | {_describe(info)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, BaseModel) or "Secret" in type(value).__name__:
        return "(development default)"
    return f"`{value}`"


def _describe(info: FieldInfo) -> str:
    return (info.description or "").replace("``", "`").replace("|", "\\|").replace("\n", " ")
