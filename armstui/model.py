"""Domain objects and validation: accounts, credentials, and the rules every input obeys.

Every validator returns the value unchanged or raises :class:`InvalidInput`, whose text
names the field and the rule (``uid: must be 16 digits (got 15 characters)``). A rejected
value is never echoed: an operator may paste a secret into the wrong field, so errors
describe the value (its length, the kind of the first offending character) instead.

Naming rules, from the Alibaba Cloud API references (RAM ``CreateUser``/``CreateRole``,
STS ``AssumeRole``) and docs/reference/alibaba-cloud-api-details.md:
- account ID: 16 digits;
- RAM user name: 1-64 of letters, digits, ``.``, ``_``, ``-``;
- RAM role name: 1-64 of letters, digits, ``-``;
- role session name: 2-64 of letters, digits, ``.``, ``@``, ``-``, ``_``;
- AccessKey ID: ``LTAI`` + alphanumerics (16-30 in all); STS ones start with ``STS.``;
- role ARN: ``acs:ram::<account ID>:role/<role name>``.
Aliases are ours: 1-32 of lower-case letters, digits, ``-``, ``_``, starting with a letter.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from armstui.secrets.redaction import redactor

if TYPE_CHECKING:
    from armstui.credentials import CredentialRef

DEFAULT_REGION = "cn-hangzhou"

# Regions listed on Alibaba Cloud's "Regions and zones" page. Any name shaped like these
# is accepted too (new regions appear), the list only vouches for the odd shapes.
KNOWN_REGIONS = frozenset(
    {
        "cn-hangzhou",
        "cn-shanghai",
        "cn-qingdao",
        "cn-beijing",
        "cn-zhangjiakou",
        "cn-huhehaote",
        "cn-wulanchabu",
        "cn-shenzhen",
        "cn-heyuan",
        "cn-guangzhou",
        "cn-chengdu",
        "cn-nanjing",
        "cn-fuzhou",
        "cn-wuhan-lr",
        "cn-hongkong",
        "cn-shanghai-finance-1",
        "cn-shenzhen-finance-1",
        "cn-beijing-finance-1",
        "cn-north-2-gov-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ap-south-1",
        "us-east-1",
        "us-west-1",
        "eu-west-1",
        "eu-central-1",
        "me-east-1",
        "me-central-1",
        "na-south-1",
    }
)


class InvalidInput(ValueError):
    """A value broke a rule. ``got`` is a description safe to show, never a raw secret."""

    def __init__(self, field: str, rule: str, got: str | None = None) -> None:
        self.field, self.rule, self.got = field, rule, got
        super().__init__(f"{field}: {rule}" + (f" (got {got})" if got else ""))


def _char_kind(ch: str) -> str:
    if ch.isupper():
        return "an upper-case letter"
    if ch.islower():
        return "a lower-case letter"
    if ch.isdigit():
        return "a digit"
    if ch.isspace():
        return "a space" if ch == " " else "a whitespace character"
    if ch in string.punctuation:
        return repr(ch)  # one punctuation mark tells nothing about a secret
    return "a non-ASCII character"


def describe(value: object, allowed: str | None = None) -> str:
    """How a rejected value is shown: its length and the first character out of ``allowed``.

    ``allowed`` is a regex character class body such as ``a-z0-9_-``.
    """
    if not isinstance(value, str):
        return f"a {type(value).__name__}"
    if not value:
        return "nothing"
    text = f"{len(value)} character" + ("" if len(value) == 1 else "s")
    if allowed is not None:
        bad = re.search(f"[^{allowed}]", value)
        if bad:
            text += f", {_char_kind(bad.group())} at position {bad.start() + 1}"
    return text


@dataclass(frozen=True)
class Rule:
    """A value's shape: ``pattern`` matching the whole value (ASCII), the rule as a refusal
    words it, and the characters it allows (to point at the first one out of place).
    Called as a validator: the value when it fits, else InvalidInput naming ``field`` (by
    default ``name``)."""

    name: str
    pattern: str
    rule: str
    allowed: str

    def __call__(self, value: str, field: str | None = None) -> str:
        if isinstance(value, str) and re.fullmatch(self.pattern, value, flags=re.ASCII):
            return value
        raise InvalidInput(field or self.name, self.rule, describe(value, self.allowed))


_NAME = "must be 1-64 of letters, digits, "
validate_uid = Rule("uid", r"[0-9]{16}", "must be 16 digits", "0-9")
validate_alias = Rule(
    "alias",
    r"[a-z][a-z0-9_-]{0,31}",
    "must be 1-32 of a-z, 0-9, '-', '_', starting with a letter",
    "a-z0-9_-",
)
validate_user_name = Rule(
    "user name", r"[A-Za-z0-9._-]{1,64}", _NAME + "'.', '_', '-'", "A-Za-z0-9._-"
)
validate_role_name = Rule("role name", r"[A-Za-z0-9-]{1,64}", _NAME + "'-'", "A-Za-z0-9-")
validate_session_name = Rule(
    "session name",
    r"[A-Za-z0-9.@_-]{2,64}",
    "must be 2-64 of letters, digits, '.', '@', '-', '_'",
    "A-Za-z0-9.@_-",
)
# ``LTAI`` + 12-28 alphanumerics (real and sandbox keys), or an STS key ``STS.…``.
validate_access_key_id = Rule(
    "access key ID",
    r"LTAI[A-Za-z0-9]{12,28}|STS\.[A-Za-z0-9]{8,128}",
    "must be 'LTAI' followed by 12-28 letters or digits",
    "A-Za-z0-9",
)
# Loose on purpose (the format is not documented): printable, no whitespace. An STS token
# is long and opaque (base64-like; real ones are about 1,000 characters).
_PRINTABLE = "printable characters without spaces"
validate_access_key_secret = Rule("secret", r"[!-~]{1,128}", f"must be 1-128 {_PRINTABLE}", "!-~")
validate_security_token = Rule(
    "security token", r"[!-~]{1,8192}", f"must be 1-8192 {_PRINTABLE}", "!-~"
)
# ACK cluster IDs are ``c`` + 32 lower-case letters and digits (CS DescribeClustersV1's
# ``cluster_id``); a little slack either way for older clusters.
validate_cluster_id = Rule(
    "cluster ID", r"c[a-z0-9]{16,40}", "must be 'c' followed by 16-40 of a-z, 0-9", "a-z0-9"
)
# ECS instance IDs are ``i-`` + lower-case letters and digits (ECS DescribeInstances'
# ``InstanceId``, e.g. ``i-bp67acfmxazb4p****``).
validate_instance_id = Rule(
    "instance ID", r"i-[a-z0-9]{8,32}", "must be 'i-' followed by 8-32 of a-z, 0-9", "a-z0-9-"
)
validate_role_arn = Rule(
    "role ARN",
    r"acs:ram::[0-9]{16}:role/[A-Za-z0-9-]{1,64}",
    "must be acs:ram::<16-digit account ID>:role/<role name>",
    "a-z0-9:/A-Z-",
)

_REGION_SHAPE = r"[a-z]{2,}(-[a-z]{2,})+(-[0-9]{1,2})?"


def validate_region(value: str, field: str = "region") -> str:
    if isinstance(value, str) and (
        value in KNOWN_REGIONS or (len(value) <= 32 and re.fullmatch(_REGION_SHAPE, value))
    ):
        return value
    raise InvalidInput(
        field,
        "must be a region ID such as cn-hangzhou or ap-southeast-1",
        describe(value, "a-z0-9-"),
    )


def role_arn_uid(arn: str) -> str:
    """The account ID inside a (valid) role ARN."""
    return validate_role_arn(arn).split(":")[3]


def short_key_id(access_key_id: str) -> str:
    """``LTAI…abcd``: enough to recognise a key, as the console shows it."""
    if len(access_key_id) <= 8:
        return access_key_id
    return f"{access_key_id[:4]}…{access_key_id[-4:]}"


@dataclass(frozen=True, repr=False)
class Credentials:
    """An AccessKey pair, optionally with an STS token. Printing it never shows a secret.

    Every secret is handed to the vault's redactor on creation, so it is masked in any
    text that passes through ``redact`` (logs, journal, call log).
    """

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    def __post_init__(self) -> None:
        redactor.add(self.access_key_secret)
        redactor.add(self.security_token)

    def __repr__(self) -> str:
        token = ", security_token='****'" if self.security_token else ""
        return f"Credentials(access_key_id={short_key_id(self.access_key_id)!r}, access_key_secret='****'{token})"

    __str__ = __repr__


@dataclass(frozen=True)
class Account:
    """One Alibaba Cloud account as the operator named it. Validated on creation."""

    alias: str
    uid: str
    region: str = DEFAULT_REGION
    credential: CredentialRef | None = field(default=None)
    production: bool = False
    read_only: bool = False  # no call that changes anything is sent as this account

    def __post_init__(self) -> None:
        validate_alias(self.alias)
        validate_uid(self.uid)
        validate_region(self.region)
