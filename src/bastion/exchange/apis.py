"""The SignalExchangeAPIs Bastion syncs, and their clients built with credentials from settings only
(``BASTION_EXCHANGE_*``; never from a request)."""

from __future__ import annotations

from typing import Any

from threatexchange.exchanges.clients.stopncii.api import StopNCIIAPI, StopNCIIEndpoint
from threatexchange.exchanges.impl.fb_threatexchange_api import (
    FBThreatExchangeCredentials,
    FBThreatExchangeSignalExchangeAPI,
)
from threatexchange.exchanges.impl.ncmec_api import NCMECCredentials, NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICredentials, StopNCIISignalExchangeAPI
from threatexchange.exchanges.signal_exchange_api import AnySignalExchangeAPI
from threatexchange.utils import dataclass_json

from bastion.core.errors import ConfigError, InputError
from bastion.exchange.fileapi import ResumableFileExchange
from bastion.exchange.settings import ExchangeSettings
from bastion.exchange.upstream import NCMECAt, StopNCIIWithDeletions

APIS: dict[str, type[AnySignalExchangeAPI]] = {
    c.get_name(): c
    for c in (
        ResumableFileExchange,
        NCMECAt,  # NCMEC, at a base URL override when one is set
        StopNCIIWithDeletions,  # StopNCII, with the deletions threatexchange 1.2.17 drops
        FBThreatExchangeSignalExchangeAPI,
    )
}


class ApiClients:
    def __init__(self, settings: ExchangeSettings) -> None:
        self.settings = settings

    def credentials_status(self, api: str) -> dict[str, bool]:
        cls = APIS.get(api)
        if cls is None:
            raise InputError(f"no such Exchange API '{api}'", field="api_name")
        supports = api != ResumableFileExchange.get_name()
        return {
            "supports_authentification": supports,
            "has_set_authentification": self._credentials(api) is not None,
        }

    def _credentials(self, api: str) -> Any:
        s = self.settings
        if api == NCMECSignalExchangeAPI.get_name() and s.ncmec_user and s.ncmec_password:
            return NCMECCredentials(s.ncmec_user, s.ncmec_password.get_secret_value())
        if (
            api == StopNCIISignalExchangeAPI.get_name()
            and s.stopncii_subscription_key
            and s.stopncii_fetch_key
        ):
            return StopNCIICredentials(
                s.stopncii_fetch_key.get_secret_value(),
                s.stopncii_subscription_key.get_secret_value(),
                s.stopncii_base_url,
            )
        if api == FBThreatExchangeSignalExchangeAPI.get_name() and s.threatexchange_token:
            return FBThreatExchangeCredentials(s.threatexchange_token.get_secret_value())
        return None

    def client(self, name: str, cfg: dict[str, Any]) -> AnySignalExchangeAPI:
        """A ready API client for the exchange ``name`` of config ``cfg``, with credentials from settings."""
        cls = APIS[cfg["api"]]
        collab = dataclass_json.dataclass_load_dict(cfg, cls.get_config_cls())
        if cls is ResumableFileExchange:
            files = ResumableFileExchange(collab)
            files.page_lines = min(files.page_lines, self.settings.sync_batch)  # a checkpoint per page
            return files
        if cls is StopNCIIWithDeletions:
            return self._stopncii(name, collab)
        creds = self._credentials(cfg["api"])
        if creds is None:
            raise ConfigError(
                f"exchange {name!r}: no {cfg['api']} credentials in BASTION_EXCHANGE_* settings"
            )
        if cls is NCMECAt:
            return NCMECAt(collab, creds.user, creds.password, self.settings.ncmec_base_url)
        return cls.for_collab(collab, creds)  # type: ignore[call-arg]

    def _stopncii(self, name: str, collab: Any) -> StopNCIIWithDeletions:
        """StopNCII with the feedback endpoint's key too (threatexchange's ``for_collab`` only fetches)."""
        s = self.settings
        if not (s.stopncii_subscription_key and s.stopncii_fetch_key):
            raise ConfigError(f"exchange {name!r}: no stop_ncii credentials in BASTION_EXCHANGE_* settings")
        extra = {}
        if s.stopncii_feedback_key:
            extra[StopNCIIEndpoint.SubmitFeedback] = s.stopncii_feedback_key.get_secret_value()
        client = StopNCIIAPI(
            s.stopncii_subscription_key.get_secret_value(),
            s.stopncii_fetch_key.get_secret_value(),
            additional_function_keys=extra,
            base_url_override=s.stopncii_base_url,
        )
        return StopNCIIWithDeletions(collab, client)
