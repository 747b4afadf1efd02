"""SMS through a provider, behind one interface; disabled without credentials.

``SmsGateway.send(number, text)`` is all the rest of the tool knows. The
adapter here speaks the common shape of French SMS providers' HTTP APIs
(one JSON POST per message, a bearer key): ``SMS_API_URL``, ``SMS_API_KEY``,
``SMS_SENDER`` (the sender name, 11 characters at most). Without the URL
and the key the gateway is disabled: nothing leaves, the reminders go by
e-mail only. Going live with a given provider means mapping its field names
in ``HttpSmsGateway.payload`` (and its error codes in ``send``), checking its
contract as a GDPR processor (hosting in the EU), and a STOP number.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol

from pathways.messaging.mail import DeliveryError

# A French mobile number as the person typed it: 06…, 07…, +33 6…, 0033 7…
_MOBILE = re.compile(r"^(?:\+33|0033|0)([67]\d{8})$")
SMS_LENGTH = 480  # three concatenated parts at most


def mobile_number(phone: str | None) -> str | None:
    """``phone`` in international form (+336…) when it is a French mobile number, else None."""
    if not phone:
        return None
    digits = re.sub(r"[\s.\-()]", "", phone)
    match = _MOBILE.match(digits)
    return f"+33{match.group(1)}" if match else None


class SmsGateway(Protocol):
    @property
    def enabled(self) -> bool: ...

    def send(self, number: str, text: str) -> None:
        """Hand ``text`` to the provider for ``number`` (+33…), or raise ``DeliveryError``."""


class DisabledGateway:
    enabled = False

    def send(self, number: str, text: str) -> None:
        raise DeliveryError("SMS non configurés (SMS_API_URL, SMS_API_KEY)", permanent=True)


class HttpSmsGateway:
    enabled = True

    def __init__(self, url: str, api_key: str, sender: str, timeout: float = 15) -> None:
        self.url = url
        self.api_key = api_key
        self.sender = sender[:11]
        self.timeout = timeout

    def payload(self, number: str, text: str) -> dict[str, Any]:
        return {"sender": self.sender, "recipients": [number], "message": text[:SMS_LENGTH]}

    def send(self, number: str, text: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - the operator's configured https URL
            self.url,
            data=json.dumps(self.payload(number, text)).encode(),
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read(4096)
        except urllib.error.HTTPError as error:
            # 4xx: this message will never pass (bad number, refused); 5xx and 429: try again.
            permanent = 400 <= error.code < 500 and error.code != 429
            raise DeliveryError(
                f"refus du fournisseur de SMS (HTTP {error.code})", permanent=permanent
            ) from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            raise DeliveryError(f"fournisseur de SMS injoignable ({type(error).__name__})") from None


def sms_gateway(config: Mapping[str, Any]) -> SmsGateway:
    url, key = config.get("SMS_API_URL"), config.get("SMS_API_KEY")
    if not url or not key:
        return DisabledGateway()
    return HttpSmsGateway(
        url, key, config.get("SMS_SENDER") or "Pathways", float(config.get("SMS_TIMEOUT") or 15)
    )
