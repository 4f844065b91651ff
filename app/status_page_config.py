"""The `status_page:` YAML section: the public status page's title, logo, time zone, address
and language, and the audience whose published words it shows. `status_page: null` turns the
page off (its routes answer 404, and nothing is recorded for it)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator

from app.config_checks import time_zone

MAX_TITLE = 100
MAX_URL = 2000
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # a BCP 47 tag: en, en-GB, de


class StatusPageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "Service status"
    logo_url: str | None = None  # the one image the page loads (an https address)
    timezone: str = "UTC"  # times on the page; the history's days are this zone's days
    url: str | None = None  # the page's public address, for links in the JSON and the feed
    language: str = "en"  # the page's `lang`: the language the customer templates are in
    audience: str = "customer"  # whose published words appear on the page

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = value.strip()
        if not value or "\n" in value or len(value) > MAX_TITLE:
            raise ValueError(f"must be one line of 1 to {MAX_TITLE} characters")
        return value

    @field_validator("logo_url", "url")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if (
            parts.scheme not in ("https", "http")
            or not parts.netloc
            or len(value) > MAX_URL
            or any(c.isspace() or c in "\"'<>\\" for c in value)
        ):
            raise ValueError(
                f"{value!r} is not an http(s) address like https://example.com/logo.png"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return time_zone(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANGUAGE.match(value.strip()):
            raise ValueError(f"{value!r} is not a language tag; write it like en or en-GB")
        return value.strip()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def logo_origin(self) -> str | None:
        """Where the logo comes from: the only source the page's content policy allows."""
        if self.logo_url is None:
            return None
        parts = urlsplit(self.logo_url)
        return f"{parts.scheme}://{parts.netloc}"
